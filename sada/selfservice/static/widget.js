/* Sada web chat: one script tag on a site.
 *   <script src="https://sada.example/widget.js" data-workspace="acme" async></script>
 * Optional: data-lang (else the page's <html lang>), data-user-id, data-user-email and
 * data-user-hash (HMAC-SHA256 of the user id with the workspace's widget secret, computed
 * on the site's server). The chat runs in a frame served by Sada; this script only adds
 * the launcher. No inline code or styles in markup: CSP-friendly (allow Sada in script-src
 * and frame-src). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__sadaWidget) { return; }
  window.__sadaWidget = true;
  var origin = new URL(script.src, location.href).origin;
  var workspace = script.getAttribute("data-workspace") || "";
  var langs = ["ar", "fa", "zh", "en"];
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en").slice(0, 2).toLowerCase();
  if (langs.indexOf(lang) < 0) { lang = "en"; }
  var pageDir = (document.documentElement.getAttribute("dir") || document.dir || "").toLowerCase();
  var rtl = pageDir ? pageDir === "rtl" : (lang === "ar" || lang === "fa");
  var labels = { en: "Chat with us", fa: "گفتگو با ما", ar: "تحدث معنا", zh: "在线咨询" };
  var identity = {
    user_id: script.getAttribute("data-user-id") || "",
    user_hash: script.getAttribute("data-user-hash") || "",
    email: script.getAttribute("data-user-email") || ""
  };
  var side = rtl ? "left" : "right";

  var button = document.createElement("button");
  button.type = "button";
  button.id = "sada-chat-launcher";
  button.textContent = labels[lang];
  button.setAttribute("aria-expanded", "false");
  var bs = button.style;
  bs.position = "fixed"; bs.bottom = "20px"; bs[side] = "20px"; bs.zIndex = "2147483000";
  bs.padding = "12px 18px"; bs.borderRadius = "24px"; bs.border = "0"; bs.cursor = "pointer";
  bs.background = "#0f766e"; bs.color = "#fff"; bs.font = "600 15px system-ui, sans-serif";
  bs.boxShadow = "0 4px 14px rgba(0,0,0,.2)";

  var frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "sada-chat-frame";
      frame.title = labels[lang];
      var query = "?lang=" + encodeURIComponent(lang) + "&dir=" + (rtl ? "rtl" : "ltr") +
        "&page=" + encodeURIComponent(location.href.slice(0, 900));
      frame.src = origin + "/help/" + encodeURIComponent(workspace) + "/widget" + query +
        "#" + encodeURIComponent(JSON.stringify(identity));
      var fs = frame.style;
      fs.position = "fixed"; fs.bottom = "80px"; fs[side] = "20px"; fs.zIndex = "2147483000";
      fs.width = "min(380px, calc(100vw - 40px))"; fs.height = "min(560px, calc(100vh - 110px))";
      fs.border = "1px solid #d9e2ec"; fs.borderRadius = "12px"; fs.background = "#fff";
      fs.boxShadow = "0 8px 30px rgba(0,0,0,.25)";
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute("aria-expanded", frame.hidden ? "false" : "true");
  }
  button.addEventListener("click", open);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame) { return; }
    if (event.data === "sada:close") { frame.hidden = true; button.setAttribute("aria-expanded", "false"); button.focus(); }
  });
  function mount() { document.body.appendChild(button); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
