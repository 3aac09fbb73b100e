/* The shared cart (carts/sharing.py): while customer service edits this customer's cart, their own
 * open page says what changed ("Ann from customer service added Canyon Base Layer") and shows it —
 * the mini cart, and the cart page's lines — without a reload. When the agent lets go of the cart,
 * it says the customer can check out. Events come from the live stream (core/live.py). While the
 * stream is down (dropped and reconnecting, or closed for good) the page looks again every 2 s; once
 * it is back, the page looks once more, for what it missed, and stops polling.
 */
(function () {
  "use strict";
  const notice = document.querySelector("[data-shared-cart]");
  if (!notice || !window.EventSource) return;

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "X-Shared-Cart": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html");
        const miniCart = document.querySelector(".mini-cart");
        const freshMiniCart = fresh.querySelector(".mini-cart");
        if (miniCart && freshMiniCart) miniCart.replaceWith(freshMiniCart);
        // The cart page itself: its lines, totals and checkout button as they are now.
        const layout = document.querySelector("#main .cart-layout");
        const main = document.querySelector("#main");
        const freshMain = fresh.querySelector("#main");
        if (layout && main && freshMain) {
          main.innerHTML = freshMain.innerHTML;
          if (window.htmx) window.htmx.process(main);
        }
      })
      .catch(function () { /* offline: the next event or look tries again */ });
  }

  function tell(e) {
    const data = JSON.parse(e.data);
    notice.textContent = data.message;
    notice.hidden = false;
    refresh();
  }

  const stream = new EventSource(notice.dataset.liveStream + "?token=" + encodeURIComponent(notice.dataset.liveToken));
  stream.addEventListener("changed", tell);
  stream.addEventListener("handed_back", tell);
  // The same stream carries a session's verification code to the customer (verification.js).
  stream.addEventListener("verification", function (e) {
    document.dispatchEvent(new CustomEvent("concierge:verification", { detail: JSON.parse(e.data) }));
  });
  let polling = null;
  stream.onerror = function () {
    if (polling === null) polling = setInterval(refresh, 2000);
  };
  stream.onopen = function () {
    if (polling === null) return;
    clearInterval(polling);
    polling = null;
    refresh();
  };
  window.addEventListener("pagehide", function () { stream.close(); });
})();
