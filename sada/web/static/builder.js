// Survey builder: mirror each text field into its language's preview as you type.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-preview]").forEach(function (field) {
    var target = document.getElementById(field.getAttribute("data-preview"));
    if (!target) { return; }
    field.addEventListener("input", function () { target.textContent = field.value; });
  });
});
