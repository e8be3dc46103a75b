// Trial monitor — the quick lock of an encrypted installation: Ctrl+Alt+L submits the top bar's Lock form.
"use strict";

document.addEventListener("keydown", function (event) {
  if (!(event.ctrlKey && event.altKey && !event.shiftKey && !event.metaKey)) {
    return;
  }
  if (event.key !== "l" && event.key !== "L" && event.code !== "KeyL") {
    return;
  }
  const form = document.getElementById("lock-form");
  if (form) {
    event.preventDefault();
    form.requestSubmit();
  }
});
