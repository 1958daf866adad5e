/* Small page behaviours declared in the markup, so that no template needs an inline handler and
   the Content-Security-Policy can say script-src 'self':
     data-confirm="…"   on a submit button or a form: ask before submitting
     data-print         on a link or button: print the page
     data-back          on a link: go back in history (its href stays the fallback)
     data-autosubmit    on a <select>: submit its form when the choice changes            */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-print], [data-back], button[data-confirm], input[data-confirm]");
    if (!el) return;
    if (el.hasAttribute("data-print")) {
      ev.preventDefault();
      window.print();
    } else if (el.hasAttribute("data-back")) {
      if (window.history.length > 1) {
        ev.preventDefault();
        window.history.back();
      }
    } else if (!window.confirm(el.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });
})();
