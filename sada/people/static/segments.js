/* The segment builder: show each condition's inputs for its type, and refresh the count of
 * matching people (POST /segments/preview) while the conditions are edited. No inline code;
 * the page works without this script (its buttons post the form). */
(function () {
  "use strict";
  var form = document.getElementById("segment-form");
  if (!form) { return; }
  var box = document.getElementById("segment-preview");
  var timer = null;
  var seq = 0;

  function showInputs(row) {
    var type = row.querySelector(".c-type").value;
    row.setAttribute("data-type", type);
    row.querySelectorAll("label[data-for]").forEach(function (label) {
      var wanted = label.getAttribute("data-for").split(" ").indexOf(type) >= 0;
      label.hidden = !wanted;
    });
  }

  function refresh() {
    var mine = ++seq;
    var data = new FormData(form);
    data.delete("action");
    fetch("/segments/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || mine !== seq) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#segment-preview");
        if (fresh && box) { box.replaceWith(fresh); box = fresh; }
      })
      .catch(function () { /* the buttons still work */ });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 350);
  }

  form.querySelectorAll(".condition").forEach(showInputs);
  form.addEventListener("change", function (event) {
    var row = event.target.closest(".condition");
    if (row && event.target.classList.contains("c-type")) { showInputs(row); }
    later();
  });
  form.addEventListener("input", later);
})();
