// The Create Return / Create Exchange wizard keeps the order's lock alive while it is open (the same
// heartbeat POST as the order editor). Leaving it lets the lock expire after a few minutes, unless
// the order page is opened again (Finish, Cancel), where the editor carries on.
(function () {
  "use strict";
  var wizard = document.querySelector("[data-return-wizard]");
  if (!wizard) return;
  var csrf = wizard.querySelector("input[name=csrfmiddlewaretoken]").value;
  function heartbeat() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    fetch(wizard.dataset.heartbeatUrl, { method: "POST", body: body, credentials: "same-origin" })
      .catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  setInterval(heartbeat, Number(wizard.dataset.heartbeatSeconds) * 1000);
})();
