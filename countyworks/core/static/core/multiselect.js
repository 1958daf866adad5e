/* Searchable multi-selects: any <select multiple data-search> gets a search box above it that
   filters the options by name (code or pinyin initials typed as text match too, as the option
   text holds them), and a line listing what is chosen — so 400 companies are pickable on a phone.
   Progressive: without this script the plain multi-select still works. No framework, no CDN. */
(function () {
  "use strict";

  function enhance(select) {
    if (select.dataset.enhanced) { return; }
    select.dataset.enhanced = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1 ms-search";
    box.placeholder = "输入名称筛选（共 " + select.options.length + " 项）";
    box.setAttribute("aria-label", (select.getAttribute("aria-label") || "选项") + "筛选");
    var chosen = document.createElement("div");
    chosen.className = "form-text ms-chosen";
    chosen.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(chosen, select.nextSibling);

    function showChosen() {
      var names = Array.prototype.filter.call(select.options, function (o) { return o.selected; })
        .map(function (o) { return o.text; });
      chosen.textContent = names.length ? "已选 " + names.length + " 项：" + names.join("、") : "未选择";
    }

    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase(), shown = 0;
      Array.prototype.forEach.call(select.options, function (o) {
        var hit = !q || o.selected || o.text.toLowerCase().indexOf(q) !== -1;
        o.hidden = !hit;
        if (hit) { shown += 1; }
      });
      box.title = "显示 " + shown + " 项";
    });
    // a tap on a phone selects one option and deselects the rest: toggle instead
    select.addEventListener("mousedown", function (ev) {
      var o = ev.target;
      if (o && o.tagName === "OPTION" && !ev.shiftKey) {
        ev.preventDefault();
        o.selected = !o.selected;
        select.dispatchEvent(new Event("change", {bubbles: true}));
      }
    });
    select.addEventListener("change", showChosen);
    showChosen();
  }

  function init(root) {
    (root || document).querySelectorAll("select[multiple][data-search]").forEach(enhance);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", function () { init(); }); }
  else { init(); }
  document.addEventListener("htmx:afterSwap", function (ev) { init(ev.target); });
})();
