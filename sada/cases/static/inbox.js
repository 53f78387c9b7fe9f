// Keyboard shortcuts of the inbox and the conversation page; the pages work without them.
"use strict";
(function () {
  var pendingG = false;
  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  function overlay() { return document.getElementById("shortcuts"); }
  function toggleHelp(show) {
    var box = overlay();
    if (!box) { return; }
    box.hidden = show === undefined ? !box.hidden : !show;
    if (!box.hidden) {
      var close = box.querySelector("[data-close-shortcuts]");
      if (close) { close.focus(); }
    }
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#inbox tbody tr[data-href]")); }
  function current() {
    var list = rows();
    for (var i = 0; i < list.length; i++) { if (list[i].classList.contains("selected")) { return i; } }
    return -1;
  }
  function select(index) {
    var list = rows();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("selected"); row.removeAttribute("aria-selected"); });
    list[index].classList.add("selected");
    list[index].setAttribute("aria-selected", "true");
    var link = list[index].querySelector("a");
    if (link) { link.focus(); }
  }
  function focusField(id) {
    var field = document.getElementById(id);
    if (field) { field.focus(); return true; }
    return false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var close = document.querySelector("[data-close-shortcuts]");
    if (close) { close.addEventListener("click", function () { toggleHelp(false); }); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (typing(event.target)) { return; }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { window.location.href = "/inbox"; event.preventDefault(); }
      else if (key === "c") { window.location.href = "/cases"; event.preventDefault(); }
      return;
    }
    var handled = true;
    if (key === "?") { toggleHelp(); }
    else if (key === "g") { pendingG = true; }
    else if (key === "j") { select(current() + 1); }
    else if (key === "k") { select(current() - 1); }
    else if (key === "o" || (key === "Enter" && current() >= 0 && event.target.tagName !== "A")) {
      var row = rows()[current()];
      if (row) { window.location.href = row.getAttribute("data-href"); } else { handled = false; }
    }
    else if (key === "x") {
      var chosen = rows()[current()];
      var box = chosen && chosen.querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; } else { handled = false; }
    }
    else if (key === "r") { handled = focusField("reply-body"); }
    else if (key === "n") { handled = focusField("note-body"); }
    else if (key === "a") { handled = focusField("assignee"); }
    else if (key === "s") { handled = focusField("status"); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });
  // Live updates on a conversation: a new message, a note, an assignment or a status shows
  // without a reload; a colleague writing a reply shows a collision warning.
  function refreshParts() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["thread", "notes", "history", "conv-meta", "open-cases", "sla"].forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) { now.innerHTML = next.innerHTML; }
        });
      })
      .catch(function () {});
  }
  function showTyping(box, names) {
    var warning = document.getElementById("typing");
    if (!warning) { return; }
    if (!names.length) { warning.hidden = true; warning.textContent = ""; return; }
    warning.textContent = box.getAttribute("data-typing-template").replace("%(names)s", names.join(", "));
    warning.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("live");
    if (!box || !window.EventSource) { return; }
    var version = null;
    var source = new EventSource(box.getAttribute("data-events"));
    source.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (version !== null && data.version !== version) { refreshParts(); }
      version = data.version;
      showTyping(box, data.typing || []);
    };
    window.addEventListener("beforeunload", function () { source.close(); });
    var reply = document.getElementById("reply-body");
    var sent = 0;
    if (reply && window.fetch && window.FormData) {
      reply.addEventListener("input", function () {
        var now = Date.now();
        if (now - sent < 3000) { return; }
        sent = now;
        var form = new FormData();
        form.append("csrf", box.getAttribute("data-csrf"));
        fetch(box.getAttribute("data-typing"), { method: "POST", body: form, credentials: "same-origin" })
          .catch(function () {});
      });
    }
  });
})();
