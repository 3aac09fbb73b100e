/* A desk queue page keeps itself current: every few seconds it fetches the page again and, if the
 * queue changed, shows the new rows. It waits while the supervisor is acting on a row (a reason
 * open or typed, a field focused), so nothing they are writing is lost, and while the tab is hidden.
 */
(function () {
  "use strict";
  const region = document.getElementById("desk-queue");
  if (!region) return;
  const seconds = Number(region.dataset.refresh) || 15;

  function busy() {
    const active = document.activeElement;
    if (active && active !== document.body && region.contains(active)) return true;
    if (region.querySelector("details[open]")) return true;
    return Array.from(region.querySelectorAll("textarea, input[type=text]")).some(function (field) {
      return field.value.trim() !== "";
    });
  }

  function look() {
    if (document.hidden || busy()) return;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || busy()) return;
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("desk-queue");
        if (fresh && fresh.innerHTML !== region.innerHTML) region.innerHTML = fresh.innerHTML;
      })
      .catch(function () { /* offline: the next look tries again */ });
  }

  setInterval(look, seconds * 1000);
})();
