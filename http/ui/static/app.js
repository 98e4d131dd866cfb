// Facteur's only script: confirmations, times in the reader's own zone,
// and the live state of running exports. Pages work without it.
"use strict";

document.addEventListener("submit", (e) => {
  const msg = e.target.dataset && e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

// localTimes shows each time in the reader's time zone, or in the zone of
// its schedule's calendar (data-zone), always naming the zone; the title
// keeps the time in UTC.
function localTimes(root) {
  const options = (el) => ({
    year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
    ...("seconds" in el.dataset ? { second: "2-digit" } : {}),
    ...(el.dataset.zone ? { weekday: "short", timeZone: el.dataset.zone } : {}),
    timeZoneName: "short",
  });
  for (const el of root.querySelectorAll("time[datetime]")) {
    const d = new Date(el.getAttribute("datetime"));
    if (isNaN(d)) continue;
    try {
      const text = new Intl.DateTimeFormat(undefined, options(el)).format(d);
      if (!el.title) el.title = el.textContent;
      el.textContent = text;
    } catch (_) {
      // an unknown zone: the server's words stay
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

// chartFormats offers the formats that are a chart (png) only for a report
// that has one: the server refuses them for the others.
function chartFormats(form) {
  const report = form.elements.report_id.selectedOptions[0];
  const hasChart = !!(report && report.hasAttribute("data-chart"));
  for (const o of form.elements.format.options) {
    if (o.hasAttribute("data-needs-chart")) o.disabled = !hasChart && !o.selected;
  }
}

// The schedule form: show only what applies to the chosen frequency,
// format and report, and keep the previews of the next runs and of the
// file name live. The server renders and checks everything without this.
function scheduleForm(form) {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const val = (name) => (form.elements[name] ? form.elements[name].value : "");
  const checked = (name) => [...form.querySelectorAll('input[name="' + name + '"]:checked')].map((el) => el.value);
  const post = async (path, body) => {
    const r = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    return [r.ok, await r.json()];
  };
  const show = () => {
    for (const el of form.querySelectorAll("[data-for-frequency]")) el.hidden = !el.dataset.forFrequency.split(" ").includes(val("frequency"));
    for (const el of form.querySelectorAll("[data-for-format]")) el.hidden = !el.dataset.forFormat.split(" ").includes(val("format"));
    // The fields of the chosen report and of the dashboard's further reports.
    const bundled = new Set([...form.querySelectorAll("input[name=bundle_report]:checked")].map((b) => b.value));
    for (const el of form.querySelectorAll("[data-for-report]")) el.hidden = el.dataset.forReport !== val("report_id") && !bundled.has(el.dataset.forReport);
    for (const el of form.querySelectorAll("[data-bundle-choice]")) el.hidden = el.dataset.bundleChoice === val("report_id");
    // A field's "N" box counts only for a mask.
    for (const el of form.querySelectorAll(".obfuscate-field")) {
      const mask = el.querySelector("select").value.endsWith("=mask");
      for (const k of el.querySelectorAll(".keep")) k.hidden = !mask;
    }
    chartFormats(form);
  };
  // The API's messages name their field by its key: say it as the label does.
  const labels = JSON.parse(form.dataset.fieldLabels || "{}");
  const words = (msg) => {
    const m = /^([a-z_]+(?:\.[a-z_]+)*)(?:\[\d+\])?: ([\s\S]+)$/.exec(msg);
    return m && labels[m[1]] ? labels[m[1]] + ": " + m[2] : msg;
  };
  // The summary follows the form as it is typed.
  const summary = document.getElementById("summary");
  const chosen = (name) => {
    const o = form.elements[name] && form.elements[name].selectedOptions[0];
    return o && o.value ? o.textContent : summary.dataset.none;
  };
  const summarize = () => {
    document.getElementById("summary-report").textContent = chosen("report_id");
    document.getElementById("summary-destination").textContent = chosen("destination_id");
    document.getElementById("summary-format").textContent = val("format");
  };
  let timer;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      // Only the chosen frequency's fields count: the others are hidden.
      const cal = { frequency: val("frequency"), time_zone: val("time_zone") };
      if (cal.frequency !== "cron") cal.at = val("at");
      if (cal.frequency === "daily") cal.days = checked("days");
      if (cal.frequency === "weekly") cal.weekday = val("weekday");
      if (cal.frequency === "monthly") {
        cal.day_of_month = parseInt(val("day_of_month"), 10);
        cal.months = checked("months").map((m) => parseInt(m, 10));
      }
      if (cal.frequency === "cron") cal.cron = val("cron");
      if (cal.frequency === "cron") delete cal.at;
      if (cal.frequency === "workday") {
        cal.workday = parseInt(val("workday"), 10);
        cal.period = val("period");
      }
      if (form.elements.region) cal.region = val("region").trim().toUpperCase();
      cal.closures = checked("closures");
      if (!["workdays", "workday"].includes(cal.frequency) && form.elements.on_closed && val("on_closed") !== "run") cal.on_closed = val("on_closed");
      const desc = document.getElementById("calendar-description");
      const list = document.getElementById("next-runs");
      try {
        const [ok, p] = await post("/api/v1/calendar/preview?n=5", cal);
        list.replaceChildren(...(ok ? p.next : []).map((t, i) => {
          const li = document.createElement("li");
          const time = Object.assign(document.createElement("time"), { textContent: p.next_local[i] });
          time.setAttribute("datetime", t);
          time.dataset.zone = p.time_zone;
          time.title = new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
          li.append(time);
          for (const n of (p.notes && p.notes[i]) || []) {
            li.append(Object.assign(document.createElement("span"), { className: "run-note", textContent: n }));
          }
          return li;
        }));
        localTimes(list);
        desc.textContent = ok ? p.description : words(p.error.message);
        desc.classList.toggle("field-error", !ok);
        if (ok) for (const el of form.querySelectorAll("[data-calendar-error]")) el.remove();
        document.getElementById("summary-calendar").textContent = ok ? p.description : summary.dataset.none;
        const [fok, f] = await post("/api/v1/file-name/preview", {
          file_name: val("file_name"), schedule_name: val("name"), report_id: parseInt(val("report_id"), 10) || 0,
          destination_id: parseInt(val("destination_id"), 10) || 0,
          format: val("format"), compression: ["csv", "json", "ndjson"].includes(val("format")) ? val("compression") : "",
          time_zone: val("time_zone"),
        });
        document.getElementById("file-example").textContent = fok ? f.example : words(f.error.message);
      } catch (_) {
        // the Preview button still works
      }
    }, 250);
  };
  form.addEventListener("input", () => { show(); summarize(); refresh(); });
  form.addEventListener("change", () => { show(); summarize(); refresh(); });
  show();
}

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  localTimes(document);
  setTimeout(live, 1000);
  const form = document.getElementById("schedule-form");
  if (form) scheduleForm(form);
  // data-show-if="control=value": shown only while the form's control has that value.
  for (const el of document.querySelectorAll("[data-show-if]")) {
    const [name, value] = el.dataset.showIf.split("=");
    const control = el.form ? el.form.elements[name] : el.closest("form").elements[name];
    const sync = () => { el.hidden = control.value !== value; };
    control.addEventListener("change", sync);
    sync();
  }
  const exp = document.getElementById("export-form");
  if (exp) {
    const sync = () => {
      for (const el of exp.querySelectorAll("[data-for-report]")) el.hidden = el.dataset.forReport !== exp.elements.report_id.value;
      for (const el of exp.querySelectorAll("[data-for-format]")) el.hidden = !el.dataset.forFormat.split(" ").includes(exp.elements.format.value);
      exp.querySelector(".dates").hidden = exp.elements.period_on.value === "";
      chartFormats(exp);
    };
    exp.addEventListener("change", sync);
    sync();
  }
  const dest = document.getElementById("destination-form");
  if (dest) {
    const kind = dest.elements.kind;
    const show = () => {
      for (const el of dest.querySelectorAll("[data-for-kind]")) {
        el.hidden = el.dataset.forKind !== kind.value;
        // a hidden kind's fields are not sent
        for (const input of el.querySelectorAll("input, select, textarea")) input.disabled = el.hidden;
      }
    };
    kind.addEventListener("change", show);
    show();
  }
});

// Forms that come back refused: the focus goes to the summary of what to
// correct, whose links lead to the inputs. Copy buttons copy the text of
// the control they name, or select it where the clipboard is refused.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    const say = (msg) => { if (status) status.textContent = msg; };
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        say(button.dataset.copied);
      } catch (_) {
        source.focus();
        source.select();
        say(button.dataset.selected);
      }
    });
  }
});

// The schedules list: while a row's last run is queued or running, the
// rows' last runs are read again from the API every 3 seconds.
function lastRuns(table) {
  const going = ["queued", "running", "retrying"];
  const active = () => [...table.querySelectorAll("[data-last-run] .status")].some((a) => going.includes(a.textContent.trim()));
  const poll = async () => {
    if (!active()) return;
    try {
      const r = await fetch("/api/v1/schedules", { credentials: "same-origin" });
      if (r.ok) {
        for (const sc of await r.json()) {
          const cell = table.querySelector('tr[data-schedule="' + sc.id + '"] [data-last-run]');
          if (!cell || !sc.last_run) continue;
          let a = cell.querySelector("a.status");
          if (!a) {
            a = document.createElement("a");
            cell.replaceChildren(a);
          }
          a.className = "status " + sc.last_run.status;
          a.href = "/runs/" + sc.last_run.id;
          a.textContent = sc.last_run.status;
          // The expected delivery's state follows the run: a delivery ends it.
          const late = cell.querySelector("[data-overdue]");
          if (sc.overdue && !late) {
            const span = document.createElement("span");
            span.className = "state overdue";
            span.dataset.overdue = "";
            span.textContent = table.dataset.overdueLabel;
            cell.append(" ", span);
          } else if (!sc.overdue && late) {
            late.remove();
          }
        }
      }
    } catch (_) {
      // the next round tries again
    }
    setTimeout(poll, 3000);
  };
  setTimeout(poll, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  const table = document.getElementById("schedules");
  if (table && table.tagName === "TABLE") lastRuns(table);
});

// Escape closes an open row menu (⋯) and gives the focus back to its button.
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  const menu = e.target.closest && e.target.closest("details.menu[open]");
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary").focus();
  e.preventDefault();
});
