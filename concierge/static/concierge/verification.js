/* Per-session customer verification (assist/verification.py): when customer service asks this
 * customer to confirm a session, their own open pages show the code to read out. It arrives on the
 * page's live stream (shared_cart.js forwards it); the code is never part of a page. The notice goes
 * when the session is confirmed, or the code stops working.
 */
(function () {
  "use strict";
  const notice = document.querySelector("[data-verification-notice]");
  if (!notice) return;
  const text = notice.querySelector("[data-verification-text]");
  const code = notice.querySelector("[data-verification-code]");
  const note = notice.querySelector("[data-verification-note]");

  document.addEventListener("concierge:verification", function (e) {
    const data = e.detail || {};
    if (data.state === "sent" && data.code) {
      text.textContent = data.helper + " asks you to confirm it is you. Read them this code:";
      code.textContent = data.code;
      note.textContent = "It works for " + data.minutes + " minutes. Share it only with the person you are talking to.";
      notice.classList.remove("message-success");
      notice.hidden = false;
    } else if (data.state === "confirmed") {
      text.textContent = "Thank you: you confirmed the session. It is listed under My Account → Customer service.";
      code.textContent = "";
      note.textContent = "";
      notice.classList.add("message-success");
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
  });
})();
