/* Inspections in the field, with a weak signal (no framework, no build step).
   - The form being filled in is kept in the browser (localStorage: choices and notes; the photos
     only when the form is queued, in IndexedDB) so a reload or a lost connection loses nothing.
   - Each inspection carries an idempotency key (client_key): sending it twice records it once.
   - Submitting while offline (or when the request fails) queues the whole form, photos included,
     and sends it when the network is back; the queue is shown on the inspection pages. */
(function () {
  "use strict";
  var DB = "cw-safety", STORE = "outbox";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no indexedDB"));
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), store = t.objectStore(STORE), out = fn(store);
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function queued() { return tx("readonly", function (s) { return s.getAll(); }); }
  function enqueue(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function dequeue(key) { return tx("readwrite", function (s) { s["delete"](key); }); }

  function showQueue() {
    var box = document.getElementById("offline-queue") || document.getElementById("offline-status");
    if (!box) return;
    queued().then(function (items) {
      if (!items.length) { box.classList.add("d-none"); return; }
      box.classList.remove("d-none");
      box.textContent = "本机有 " + items.length + " 条检查记录等待网络恢复后提交：" +
        items.map(function (i) { return i.label; }).join("、");
    })["catch"](function () {});
  }

  function send(item) {
    var fd = new FormData();
    item.entries.forEach(function (e) {
      if (e.length > 2) fd.append(e[0], e[1], e[2]); else fd.append(e[0], e[1]);
    });
    return fetch(item.url, { method: "POST", body: fd, credentials: "same-origin", redirect: "follow" })
      .then(function (resp) {
        // a saved inspection redirects to its page; the form again means the server refused it
        if (resp.ok && resp.url.indexOf("/inspections/") !== -1) return dequeue(item.key).then(function () { return true; });
        if (resp.ok || resp.status === 403 || resp.status === 404) {
          item.failed = true;
          item.label = item.label.replace(/（需修改）$/, "") + "（需修改）";
          return enqueue(item).then(function () { return false; });
        }
        return false;
      });
  }

  // one flush at a time: the browser's own "online" event, a page load and a retry may come
  // together; a second call while one runs is remembered and runs once the first has finished
  var flushing = null, again = false;
  function flush() {
    if (!navigator.onLine) return;
    if (flushing) { again = true; return; }
    flushing = queued().then(function (items) {
      return items.filter(function (i) { return !i.failed; }).reduce(function (p, item) {
        return p.then(function () { return send(item)["catch"](function () { return false; }); });
      }, Promise.resolve());
    }).then(showQueue)["catch"](function () {}).then(function () {
      flushing = null;
      if (again) { again = false; flush(); }
    });
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "submit" && el.name !== "csrfmiddlewaretoken";
    });
  }

  function saveDraft(form, key) {
    var data = {};
    draftFields(form).forEach(function (el) {
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
      else if (el.type === "checkbox") data[el.name] = el.checked;
      else data[el.name] = el.value;
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full: keep going */ }
  }

  function restoreDraft(form, key) {
    var raw = null;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) return;
    var data = JSON.parse(raw);
    if (form.dataset.hasErrors === "1") return;
    draftFields(form).forEach(function (el) {
      if (!(el.name in data)) return;
      if (el.type === "radio") el.checked = data[el.name] === el.value;
      else if (el.type === "checkbox") el.checked = !!data[el.name];
      else if (el.type !== "hidden" || el.name === "client_key") el.value = data[el.name];
    });
  }

  function toggleDetails(form) {
    form.querySelectorAll(".checklist-item").forEach(function (fs) {
      var failed = fs.querySelector('input[type=radio][value="fail"]:checked');
      fs.classList.toggle("border-danger", !!failed);
    });
  }

  var form = document.getElementById("inspection-form");
  if (form) {
    var key = form.dataset.draftKey;
    restoreDraft(form, key);
    var ck = form.querySelector('[name="client_key"]');
    if (ck && !ck.value) ck.value = uuid();
    saveDraft(form, key);
    toggleDetails(form);
    form.addEventListener("change", function () { saveDraft(form, key); toggleDetails(form); });
    form.addEventListener("input", function () { saveDraft(form, key); });
    form.addEventListener("submit", function (ev) {
      saveDraft(form, key);
      if (navigator.onLine) {
        try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
        // the key stays in the posted form: a resend after a timeout is recognised by the server
        return;
      }
      ev.preventDefault();
      var entries = [];
      new FormData(form).forEach(function (v, k) {
        if (v instanceof File) { if (v.size) entries.push([k, v, v.name]); }
        else entries.push([k, v]);
      });
      var title = document.querySelector("h1");
      enqueue({ key: ck.value, url: form.action || location.href, entries: entries,
                label: (title ? title.textContent.trim() : "检查") + " " + new Date().toLocaleString() })
        .then(function () {
          try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
          var box = document.getElementById("offline-status");
          if (box) { box.classList.remove("d-none"); box.textContent = "当前无网络：检查结果已保存在本机，网络恢复后自动提交，不会重复。"; }
          window.scrollTo(0, 0);
        })["catch"](function () {
          alert("当前无网络，且本机无法保存照片。请保持页面打开，网络恢复后再提交。");
        });
    });
  }
  window.addEventListener("online", flush);
  if (!form) showQueue();
  flush();
})();
