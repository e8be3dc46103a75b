// An export's progress: ask the server every second until the file is ready or the job failed.
"use strict";

(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-progress");
  const message = document.getElementById("job-message");
  async function poll() {
    let job = null;
    try {
      const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      job = response.ok ? await response.json() : null;
    } catch (networkError) {
      job = null;
    }
    if (job) {
      bar.value = job.status === "done" ? 100 : job.percent;
      message.textContent = job.progress_label || job.message || job.status;  // exports say it in words; sync jobs write their outcome as the message
      if (job.status === "done") {
        document.getElementById("job-download").hidden = !job.has_file;
        return;
      }
      if (job.status === "failed") {
        const error = document.getElementById("job-error");
        error.textContent = `${box.dataset.msgFailed} ${job.error || ""}`;
        error.hidden = false;
        return;
      }
    }
    setTimeout(poll, 1000);
  }
  if (box.dataset.status !== "done" && box.dataset.status !== "failed") poll();
})();
