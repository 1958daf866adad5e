// The unit picker (core/unitpicker.py): search the user's units by name or code, pick one.
(function () {
  "use strict";
  function setup(box) {
    var input = box.querySelector(".unit-picker-input");
    var hidden = box.querySelector(".unit-picker-value");
    var list = box.querySelector(".unit-picker-list");
    var timer = null, seq = 0;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function show(items) {
      list.textContent = "";
      if (!items.length) {
        var none = document.createElement("div");
        none.className = "list-group-item small text-muted";
        none.textContent = "没有匹配的单位";
        list.appendChild(none);
      }
      items.forEach(function (u) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "list-group-item list-group-item-action small";
        b.setAttribute("role", "option");
        b.textContent = u.name + "（" + u.code + "，" + u.kind + "）";
        b.addEventListener("click", function () {
          hidden.value = u.id;
          input.value = u.name + "（" + u.code + "）";
          close();
        });
        list.appendChild(b);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        var url = "/core/units/search/?q=" + encodeURIComponent(q) +
          "&programme=" + encodeURIComponent(box.dataset.programme || "") +
          "&action=" + encodeURIComponent(box.dataset.action || "view");
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) { if (mine === seq) show(data.results || []); });
      }, 200);
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) close(); });
  }
  function init(root) { (root || document).querySelectorAll(".unit-picker").forEach(setup); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
