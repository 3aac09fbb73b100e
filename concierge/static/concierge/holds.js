// The Holds tab (seed 004 "Order Holds"): Mark Resolved / Mark Unresolvable choose the decision for
// the selected hold and show its Comment and Submit; while a decision is being processed the page
// reloads itself every few seconds (by following its own Reload link, which the order editor knows
// as staying on the order, so the lock is kept), unless a comment is being written.
(function () {
  "use strict";
  var form = document.querySelector("[data-holds-form]");
  if (!form) return;
  var decision = form.querySelector("[data-decision]");
  var step = form.querySelector("[data-comment-step]");
  var words = form.querySelector("[data-decision-words]");
  var comment = form.querySelector("textarea[name=comment]");
  var WORDS = {
    resolved: "Mark Resolved: enter a comment and Submit.",
    unresolvable: "Mark Unresolvable: the order will be cancelled. Enter a comment and Submit.",
  };

  form.querySelectorAll("[data-mark]").forEach(function (button) {
    button.addEventListener("click", function () {
      decision.value = button.dataset.mark;
      form.querySelectorAll("[data-mark]").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      if (step) step.hidden = false;
      if (words) words.textContent = WORDS[button.dataset.mark];
      if (comment) comment.focus();
    });
  });

  var pending = document.querySelector("[data-holds-pending]");
  var reload = document.querySelector("[data-holds-reload]");
  if (pending && reload) {
    setInterval(function () {
      var writing = comment && comment.value.trim() !== "";
      var dialogOpen = document.querySelector("dialog[open]");
      if (!writing && !dialogOpen) reload.click();
    }, 4000);
  }
})();
