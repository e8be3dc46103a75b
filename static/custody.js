// The defendant form: hours in custody before registration and before a judge, recomputed as the times
// are typed (the same rule as monitor/missions/records.py custody_hours), so the 48-hour flag shows
// before saving.
"use strict";

(function () {
  const box = document.getElementById("custody");
  if (!box) return;
  const format = box.dataset.hoursFormat;
  const flag = document.getElementById("custody-flag");

  function hoursBetween(fromId, toId) {
    const from = document.getElementById(fromId);
    const to = document.getElementById(toId);
    if (!from || !to || !from.value || !to.value) return null;
    const start = Date.parse(from.value);
    const end = Date.parse(to.value);
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) return null;
    return Math.round((end - start) / 360000) / 10;
  }

  function update() {
    let toJudge = null;
    for (const span of box.querySelectorAll("[data-from]")) {
      const value = hoursBetween(span.dataset.from, span.dataset.to);
      const shown = document.createElement("span");
      if (value === null) {
        shown.className = "muted";
        shown.textContent = "—";
      } else {
        shown.className = value > 72 ? "hours over72" : value > 48 ? "hours over48" : "hours";
        shown.textContent = format.replace("{h}", value.toFixed(1));
      }
      span.replaceChildren(shown);
      if (span.dataset.to === "first_judge_at") toJudge = value;
    }
    flag.hidden = !(toJudge !== null && toJudge > 48);
  }

  for (const id of ["apprehended_at", "arrest_registered_at", "first_judge_at"]) {
    const input = document.getElementById(id);
    if (input) input.addEventListener("input", update);
  }
})();
