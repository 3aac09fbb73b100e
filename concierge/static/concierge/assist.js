// The storefront while an agent assists a customer: the Customer Service tab opens the End Session
// dialog (ending is a POST, never a GET), and the open page renews the session and the agent's
// cart locks with a heartbeat POST (a GET never changes a row).
(function () {
  "use strict";
  var script = document.currentScript;
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-opens-dialog]");
    if (!opener) return;
    var dialog = document.getElementById(opener.getAttribute("data-opens-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.showModal();
  });
  var url = script && script.getAttribute("data-heartbeat-url");
  var token = script && script.getAttribute("data-csrf-token");
  if (!url) return;
  setInterval(function () {
    if (document.visibilityState !== "visible") return;
    fetch(url, { method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin" });
  }, 120000);
})();
