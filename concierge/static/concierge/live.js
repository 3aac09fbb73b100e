/* Who else has this record open: the presence line of a console page (service/_live_presence.html).
 *
 * The page says it is there every few seconds (POST data-live-here) and that it has gone when it
 * closes (a beacon to data-live-leave). It hears arrivals and departures from the event stream
 * (data-live-stream, Server-Sent Events); while the stream is down it asks every 2 s instead.
 * Every event the stream brings is also dispatched on the document as "concierge:live".
 */
(function () {
  "use strict";
  const box = document.querySelector("[data-live]");
  if (!box || box.dataset.liveStarted) return;
  box.dataset.liveStarted = "1";

  const token = box.dataset.liveToken;
  const topic = box.dataset.liveTopic;
  const noun = box.dataset.liveNoun || "record";
  const page = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + "-" + String(Math.random()).slice(2, 10);
  const csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRFToken":\s*"([^"]+)"/);
  const others = box.querySelector("[data-live-others]");
  const text = box.querySelector("[data-live-text]");
  const notice = box.querySelector("[data-live-notice]");
  const timeFormat = new Intl.DateTimeFormat(box.dataset.liveLocale || undefined, {
    hour: "numeric", minute: "2-digit", timeZone: box.dataset.liveZone || undefined,
  });
  let streamOpen = false;
  let opening = true; // the soft warning is for opening a record someone is already on
  let timer = null;
  let me = null;

  function form() {
    const body = new FormData();
    body.append("token", token);
    body.append("page", page);
    body.append("editing", box.dataset.liveEditing === "1" ? "1" : "0");
    if (csrf) body.append("csrfmiddlewaretoken", csrf[1]);
    return body;
  }

  function show(viewers) {
    const wasOpening = opening;
    opening = false;
    // One entry per person (two tabs are one person), editing wins; never the viewer's own pages.
    const people = new Map();
    for (const v of viewers || []) {
      if (v.page === page) { me = v.user; continue; }
      const known = people.get(v.user);
      if (!known || (v.editing && !known.editing)) people.set(v.user, v);
    }
    if (me !== null) people.delete(me);
    const list = Array.from(people.values());
    if (!list.length) {
      others.hidden = true;
      text.textContent = "";
      return;
    }
    const parts = list.map(function (v) {
      return v.name + " — " + (v.editing ? "editing" : "viewing") + " since " + timeFormat.format(new Date(v.since));
    });
    text.textContent = "Also here: " + parts.join(", ");
    others.classList.toggle("editing", list.some(function (v) { return v.editing; }));
    others.hidden = false;
    if (wasOpening) {
      const first = list[0];
      notice.textContent = first.name + (first.editing ? " is working on this " : " is looking at this ") + noun +
        (list.length > 1 ? " (and " + (list.length - 1) + " more)." : ".");
      notice.hidden = false;
    }
  }

  function beat() {
    fetch(box.dataset.liveHere, { method: "POST", body: form(), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (answer && answer.viewers) show(answer.viewers[topic]);
      })
      .catch(function () { /* offline: the next beat tries again */ })
      .finally(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(beat, streamOpen ? 5000 : 2000);
  }

  function listen() {
    if (!window.EventSource) return;
    const stream = new EventSource(box.dataset.liveStream + "?token=" + encodeURIComponent(token));
    // Whatever happened before the stream was heard (it opens after the page's first beat, and
    // again after each reconnect) is not sent down it: ask once for who is here now.
    stream.onopen = function () { streamOpen = true; beat(); };
    stream.onerror = function () { streamOpen = false; schedule(); };
    stream.addEventListener("presence", function (e) {
      const data = JSON.parse(e.data);
      if (data.topic === topic) show(data.viewers);
    });
    stream.onmessage = null;
    const forward = function (e) {
      document.dispatchEvent(new CustomEvent("concierge:live", { detail: { kind: e.type, data: JSON.parse(e.data) } }));
    };
    ["presence", "changed"].forEach(function (kind) { stream.addEventListener(kind, forward); });
    window.addEventListener("pagehide", function () { stream.close(); });
  }

  window.addEventListener("pagehide", function () {
    clearTimeout(timer);
    if (navigator.sendBeacon) navigator.sendBeacon(box.dataset.liveLeave, form());
  });
  // The editor says when the page takes or gives up the lock (service/_editor.html).
  document.addEventListener("concierge:editing", function (e) {
    box.dataset.liveEditing = e.detail && e.detail.editing ? "1" : "0";
    beat();
  });

  listen();
  beat();
})();
