// The open order editor (seed 004 "Order Locking"): it keeps the order's short lock alive with a
// heartbeat POST, unlocks the order when the page is left, and asks to save or abandon unsaved
// changes on Close. A browser that crashes sends nothing: its lock expires in a few minutes.
(function () {
  "use strict";
  var editor = document.querySelector("[data-order-editor]");
  if (!editor) return;
  var csrf = editor.querySelector("input[name=csrfmiddlewaretoken]").value;
  var leaving = false; // a form of this page is submitted, or a link to this order is followed
  var timer = null;

  function form(fields) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
    return body;
  }

  function lockLost(message) {
    clearInterval(timer);
    leaving = true; // nothing left to unlock
    var dialog = document.getElementById("lock-lost");
    dialog.querySelector("#lock-lost-message").textContent = message;
    if (!dialog.open) dialog.showModal();
  }

  function heartbeat() {
    fetch(editor.dataset.heartbeatUrl, { method: "POST", body: form(), credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 409 || response.status === 404) {
          return response.json().then(function (data) { lockLost(data.message); });
        }
        return null;
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  timer = setInterval(heartbeat, Number(editor.dataset.heartbeatSeconds) * 1000);
  window.orderEditorHeartbeat = heartbeat; // for the browser tests, which do not wait a minute

  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) leaving = true;
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && link.origin === location.origin && link.pathname === location.pathname) leaving = true;
  }, true);
  window.addEventListener("pagehide", function () {
    if (!leaving) navigator.sendBeacon(editor.dataset.closeUrl, form({ left: "1" }));
  });

  function dirty(f) {
    return Array.prototype.some.call(f.elements, function (el) {
      if (el.type === "hidden" || el.type === "submit") return false;
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      return el.value !== el.defaultValue;
    });
  }

  var close = document.querySelector("form[data-close-editor]");
  var prompt = document.getElementById("close-prompt");
  var changed = [];
  close.addEventListener("submit", function (event) {
    changed = Array.prototype.filter.call(document.querySelectorAll("form[data-edit-form]"), dirty);
    if (!changed.length || close.dataset.confirmed) return;
    event.preventDefault();
    prompt.showModal();
  });
  prompt.addEventListener("click", function (event) {
    var choice = event.target.dataset && event.target.dataset.prompt;
    if (!choice) return;
    prompt.close();
    if (choice === "save") {
      changed[0].requestSubmit(); // a save unlocks the order when it completes
    } else if (choice === "abandon") {
      close.dataset.confirmed = "1";
      close.requestSubmit();
    }
  });
})();
