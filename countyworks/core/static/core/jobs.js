// A background job's progress: poll the fragment URL of #import-job until the job is finished, and
// swap the fragment in (the finished fragment carries no data-poll-url, so polling stops there).
(function () {
  "use strict";
  var INTERVAL = 1000;
  function poll() {
    var box = document.getElementById("import-job");
    if (!box || !box.dataset.pollUrl) return;
    fetch(box.dataset.pollUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var fresh = tpl.content.getElementById("import-job");
        if (fresh) box.replaceWith(fresh);
        setTimeout(poll, INTERVAL);
      })
      .catch(function () { setTimeout(poll, INTERVAL * 3); });
  }
  document.addEventListener("DOMContentLoaded", function () { setTimeout(poll, INTERVAL); });
})();
