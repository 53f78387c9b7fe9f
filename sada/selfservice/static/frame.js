/* The chat inside Sada's frame: assistant answers, handoff, live agent replies (SSE),
 * offline contact form, CSAT. Talks only to Sada (same origin); text is shown as text. */
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base");
  var lang = body.getAttribute("data-lang");
  var page = body.getAttribute("data-page") || "";
  var T = JSON.parse(document.getElementById("chat-labels").textContent);
  var storeKey = "sada-chat:" + base + ":" + lang;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var personBtn = document.getElementById("chat-person");
  var endBtn = document.getElementById("chat-end");
  var offline = document.getElementById("chat-offline");
  var rating = document.getElementById("chat-rating");
  var token = null;
  var lastId = 0;
  var status = "bot";
  var source = null;
  var identity = {};
  try { identity = JSON.parse(decodeURIComponent(location.hash.slice(1)) || "{}"); } catch (e) { identity = {}; }
  try { token = localStorage.getItem(storeKey); } catch (e) { token = null; }

  function call(path, payload) {
    return fetch(base + "/chat" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload || {})
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error((data.error && data.error.message) || ("HTTP " + r.status)); }
        return data;
      });
    });
  }

  function show(m) {
    if (m.id && m.id <= lastId) { return; }
    if (m.id) { lastId = m.id; }
    var div = document.createElement("div");
    div.className = "msg " + m.role;
    div.setAttribute("dir", "auto");
    div.setAttribute("data-id", String(m.id || ""));
    if (m.role === "agent" || m.role === "assistant") {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = m.role === "agent" ? T.agent : T.assistant;
      div.appendChild(who);
    }
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    div.appendChild(text);
    (m.citations || []).forEach(function (c) {
      if (!c.url || c.url.charAt(0) !== "/") { return; }
      var a = document.createElement("a");
      var survey = c.key === "survey" && m.role === "system";  // a survey invitation's link
      a.className = survey ? "cite survey" : "cite";
      a.href = c.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = survey ? c.title : T.source + " " + (c.title || c.key);
      div.appendChild(a);
    });
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function setStatus(next) {
    status = next;
    offline.hidden = next !== "offline";
    personBtn.hidden = next !== "bot";
    form.hidden = next === "closed";
    endBtn.hidden = next === "closed";
    body.setAttribute("data-status", next);
    if (next === "closed") { rating.hidden = false; }
  }

  function take(data) {
    (data.messages || []).forEach(show);
    if (data.chat) { setStatus(data.chat.status); rating.hidden = !(data.chat.status === "closed" && !data.chat.rated); }
  }

  function listen() {
    if (!token || source || !window.EventSource) { return; }
    source = new EventSource(base + "/chat/" + encodeURIComponent(token) + "/events?after=" + lastId);
    source.onmessage = function (event) {
      var data = JSON.parse(event.data);
      take(data);
    };
  }

  function ensure() {
    if (token) { return Promise.resolve(token); }
    return call("", { lang: lang, page_url: page, identity: identity }).then(function (data) {
      token = data.chat.token;
      try { localStorage.setItem(storeKey, token); } catch (e) { /* private mode */ }
      take(data);
      listen();
      return token;
    });
  }

  function fail(err) { show({ role: "system", text: T.error + " " + err.message }); }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    ensure().then(function () {
      return call("/" + encodeURIComponent(token) + "/messages", { text: text });
    }).then(take).catch(fail);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  personBtn.addEventListener("click", function () {
    ensure().then(function () { return call("/" + encodeURIComponent(token) + "/person", {}); }).then(take).catch(fail);
  });
  endBtn.addEventListener("click", function () {
    if (!token) { setStatus("closed"); return; }
    call("/" + encodeURIComponent(token) + "/end", {}).then(take).catch(fail);
  });
  offline.addEventListener("submit", function (event) {
    event.preventDefault();
    var fd = new FormData(offline);
    call("/" + encodeURIComponent(token) + "/contact", {
      email: fd.get("email") || "", phone: fd.get("phone") || "", text: fd.get("text") || ""
    }).then(take).catch(fail);
  });
  Array.prototype.forEach.call(rating.querySelectorAll("button[data-score]"), function (b) {
    b.addEventListener("click", function () {
      call("/" + encodeURIComponent(token) + "/rating", { score: Number(b.getAttribute("data-score")) })
        .then(function () { rating.hidden = true; show({ role: "system", text: T.thanks }); })
        .catch(fail);
    });
  });
  document.getElementById("chat-close").addEventListener("click", function () {
    if (window.parent !== window) { window.parent.postMessage("sada:close", "*"); }
  });

  if (token) {
    fetch(base + "/chat/" + encodeURIComponent(token) + "/messages?after=0")
      .then(function (r) { if (!r.ok) { throw new Error("gone"); } return r.json(); })
      .then(function (data) { take(data); listen(); })
      .catch(function () { token = null; try { localStorage.removeItem(storeKey); } catch (e) { /* */ } show({ role: "system", text: T.welcome }); });
  } else {
    show({ role: "system", text: T.welcome });
  }
  setStatus("bot");
})();
