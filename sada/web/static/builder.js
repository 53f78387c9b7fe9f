// Survey builder: mirror each text field into its language's preview as you type,
// follow the score type's scale, and show the options only for choice questions.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-preview]").forEach(function (field) {
    var target = document.getElementById(field.getAttribute("data-preview"));
    if (!target) { return; }
    field.addEventListener("input", function () { target.textContent = field.value; });
  });
  // Options: one per line, shown as a list (text only, never markup).
  document.querySelectorAll("[data-preview-list]").forEach(function (field) {
    var target = document.getElementById(field.getAttribute("data-preview-list"));
    if (!target) { return; }
    field.addEventListener("input", function () {
      while (target.firstChild) { target.removeChild(target.firstChild); }
      field.value.split(/\r?\n/).forEach(function (line) {
        if (!line.trim()) { return; }
        var item = document.createElement("li");
        item.textContent = line.trim();
        target.appendChild(item);
      });
    });
  });
  var kind = document.getElementById("kind");
  if (kind) {
    kind.addEventListener("change", function () {
      var option = kind.options[kind.selectedIndex];
      var low = Number(option.getAttribute("data-low"));
      var high = Number(option.getAttribute("data-high"));
      document.querySelectorAll(".scale span[data-v]").forEach(function (span) {
        var v = Number(span.getAttribute("data-v"));
        span.hidden = v < low || v > high;
      });
    });
  }
  document.querySelectorAll("select[data-extra-type]").forEach(function (select) {
    var block = document.getElementById(select.getAttribute("data-extra-type"));
    if (!block) { return; }
    var index = block.id.slice(1);
    select.addEventListener("change", function () {
      var choice = select.value === "single_choice" || select.value === "multiple_choice";
      block.querySelectorAll(".x-options").forEach(function (label) { label.hidden = !choice; });
      document.querySelectorAll("[id^='pv-xo" + index + "-']").forEach(function (list) { list.hidden = !choice; });
      document.querySelectorAll("[id^='pv-xs" + index + "-']").forEach(function (stars) {
        stars.hidden = select.value !== "rating";
      });
    });
  });
});
