// Facteur's only script: confirmations, times in the reader's own zone,
// and the live state of running exports. Pages work without it.
"use strict";

document.addEventListener("submit", (e) => {
  const msg = e.target.dataset && e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

function localTimes(root) {
  const short = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const precise = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
  for (const el of root.querySelectorAll("time[datetime]")) {
    const d = new Date(el.getAttribute("datetime"));
    if (!isNaN(d)) {
      el.title = el.textContent;
      el.textContent = ("seconds" in el.dataset ? precise : short).format(d);
    }
  }
}

// live polls the API for runs still going and reloads the page when one ends.
async function live() {
  const ids = [...new Set([...document.querySelectorAll("[data-live]")].map((el) => el.dataset.live))];
  if (ids.length === 0) return;
  for (const id of ids) {
    try {
      const r = await fetch("/api/v1/runs/" + id, { credentials: "same-origin" });
      if (!r.ok) continue;
      const run = await r.json();
      if (!["queued", "running", "retrying"].includes(run.status)) {
        window.location.reload();
        return;
      }
      for (const el of document.querySelectorAll('[data-live="' + id + '"]')) el.textContent = run.status;
      if (run.progress_rows !== undefined) {
        for (const el of document.querySelectorAll('[data-progress="' + id + '"]')) {
          el.textContent = run.progress_rows.toLocaleString() + " " + document.body.dataset.rowsSoFar;
        }
      }
    } catch (_) {
      // the next round tries again
    }
  }
  setTimeout(live, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document);
  setTimeout(live, 1000);
});
