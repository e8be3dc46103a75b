// Trial monitor — the little script every page loads. No inline scripts anywhere (strict CSP).
"use strict";

// fetch() with this page's CSRF token: every state-changing request must carry it.
window.monitorFetch = function (url, options) {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const opts = Object.assign({ credentials: "same-origin" }, options || {});
  opts.headers = Object.assign({ "X-CSRFToken": token }, opts.headers || {});
  return fetch(url, opts);
};

// Buttons that ask before doing something that cannot be undone: data-confirm="question".
// Capture phase, so the question comes before any other submit handler runs.
document.addEventListener(
  "submit",
  function (event) {
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

// Times stored in UTC, shown in the laptop's local time: <time data-local datetime="…Z">.
function showLocalTimes(root) {
  (root || document).querySelectorAll("time[data-local]").forEach(function (el) {
    const moment = new Date(el.dateTime);
    if (!isNaN(moment)) {
      el.textContent = moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
      el.title = el.dateTime;
    }
  });
}
window.showLocalTimes = showLocalTimes;
document.addEventListener("DOMContentLoaded", function () {
  showLocalTimes(document);
});

// A secret shown once (a new API token): select it all on focus; data-copy="id" copies it.
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("input[data-select-all]")) {
    event.target.select();
  }
});
document.addEventListener("click", function (event) {
  const button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  input.focus();
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value);
  }
});
