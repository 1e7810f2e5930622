// The demo page: pick a model, version and backend; the <model-predictor> element does the rest
// (form from the schema, prediction, probabilities, progress, field errors).
import { registerOffline, watchConnectivity } from "./lib/offline.js";
import { classLabel } from "./lib/model_predictor.js";
import { readIndex } from "./lib/predictor.js";

const $ = (id) => document.getElementById(id);
const ui = {
  model: $("model"), version: $("version"), mode: $("mode"), warmup: $("warmup"),
  predictor: /** @type {import("./lib/model_predictor.js").ModelPredictor} */ ($("predictor")),
  update: $("update"), reload: $("reload"), connectivity: $("connectivity"), offlineProblem: $("offline-problem"),
};

/** @type {import("./lib/predictor.js").IndexEntry[]} */
let models = [];

async function main() {
  watchConnectivity((online) => {
    ui.connectivity.hidden = online;
    document.body.dataset.online = String(online);
  });
  const params = new URLSearchParams(location.search);
  ui.mode.value = params.get("mode") ?? "auto";
  ui.warmup.checked = params.get("warmup") === "server";
  const index = await readIndex();
  models = index.models;
  const names = [...new Set(models.map((m) => m.name))];
  // a model no version of which runs in the browser is marked: it needs the server
  const serverOnly = (/** @type {string} */ n) => models.filter((m) => m.name === n).every((m) => !m.runtimes.includes("browser"));
  ui.model.replaceChildren(...names.map((n) => new Option(serverOnly(n) ? `${n} (server only)` : n, n)));
  const wanted = params.get("model") ?? index.default_model;
  ui.model.value = names.includes(wanted) ? wanted : names[0];
  fillVersions(params.get("version"));
  ui.model.addEventListener("change", () => { fillVersions(null); start(); });
  for (const control of [ui.version, ui.mode, ui.warmup]) control.addEventListener("change", start);
  // the page is ready when the element is (tests and people wait for body[data-ready])
  ui.predictor.addEventListener("ready", (event) => { document.body.dataset.ready = event.detail.backend; });
  ui.predictor.addEventListener("ready", startOffline, { once: true });
  ui.predictor.addEventListener("error", startOffline, { once: true });
  start();
}

/** @param {string | null} wanted */
function fillVersions(wanted) {
  const entries = models.filter((m) => m.name === ui.model.value);
  const versions = entries.map((m) => m.version);
  ui.version.replaceChildren(...entries.map((m) => new Option(
    m.runtimes.includes("browser") ? m.version : `${m.version} (server only)`, m.version)));
  ui.version.value = versions.includes(wanted) ? wanted : versions.at(-1); // newest by default
}

function start() {
  delete document.body.dataset.ready;
  ui.warmup.disabled = ui.mode.value !== "auto";
  ui.predictor.setAttribute("model", ui.model.value);
  ui.predictor.setAttribute("version", ui.version.value);
  ui.predictor.setAttribute("mode", ui.mode.value);
  ui.predictor.toggleAttribute("server-warmup", ui.warmup.checked && ui.mode.value === "auto");
}

// After the first start: the service worker then precaches from the HTTP cache the page has just
// filled, instead of downloading the runtime a second time alongside it.
function startOffline() {
  registerOffline({
    onUpdateReady: (applyUpdate) => {
      ui.update.hidden = false;
      ui.reload.onclick = applyUpdate;
    },
    onProblem: (message) => {
      ui.offlineProblem.textContent = message;
      ui.offlineProblem.hidden = false;
    },
    onRestored: () => {
      ui.offlineProblem.hidden = true;
    },
  }).then((offline) => {
    if (offline) window.offlineSupport = offline; // for the console and tests
  }).catch((error) => console.warn("offline support unavailable:", error));
}

main().catch((error) => {
  const box = document.createElement("p");
  box.className = "error";
  box.setAttribute("role", "alert");
  box.textContent = `The page could not start: ${error.message}`;
  document.querySelector("main").append(box);
});

// ---- Score a file: parsed, validated and predicted where the model runs (in the browser: in the
// worker, by py_pipeline's CSV module), a chunk at a time, with progress and Cancel.
const file = {
  input: $("file"), drop: $("drop"), progress: $("file-progress"), bar: $("file-bar"), cancel: $("cancel"),
  status: $("file-status"), error: $("file-error"), result: $("file-result"), summary: $("file-summary"),
  downloadResult: $("download-result"), downloadErrors: $("download-errors"), histogram: $("histogram"),
  preview: $("preview"), problems: $("file-problems"), byField: $("file-by-field"), explain: $("explain-file"),
  drivers: $("drivers"), drift: $("drift-file"), downloadDrift: $("download-drift"),
};
/** @type {AbortController | null} */
let scoring = null;

file.input.addEventListener("change", () => file.input.files[0] && scoreFile(file.input.files[0]));
file.drop.addEventListener("dragover", (event) => { event.preventDefault(); file.drop.classList.add("over"); });
file.drop.addEventListener("dragleave", () => file.drop.classList.remove("over"));
file.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  file.drop.classList.remove("over");
  if (event.dataTransfer.files[0]) scoreFile(event.dataTransfer.files[0]);
});
file.cancel.addEventListener("click", () => scoring?.abort());

/** @param {File} chosen */
async function scoreFile(chosen) {
  const predictor = ui.predictor.predictor;
  if (!predictor) return;
  scoring?.abort();
  const mine = (scoring = new AbortController());
  delete document.body.dataset.scored; // set again when this file is scored
  file.error.hidden = true;
  file.result.hidden = true;
  file.progress.hidden = false;
  file.bar.value = 0;
  file.status.textContent = `Reading ${chosen.name}`;
  try {
    const scored = await predictor.scoreCsv(chosen, { // the File: read in the worker, off this thread
      signal: mine.signal,
      explain: file.explain.checked,
      drift: file.drift.checked,
      onProgress: (p) => {
        file.bar.value = p.done / p.total;
        file.status.textContent = `${p.done.toLocaleString()} of ${p.total.toLocaleString()} rows, `
          + `${Math.round(p.rowsPerSecond).toLocaleString()} rows/s, ${Math.ceil(p.secondsLeft)} s left`;
      },
    });
    showScored(chosen.name, scored);
  } catch (error) {
    file.error.hidden = false;
    file.error.textContent = error.code === "cancelled" ? "Cancelled: nothing was kept." : error.message;
    file.status.textContent = "";
    for (const d of (error.details ?? []).slice(0, 20)) file.error.append(Object.assign(document.createElement("div"),
      { textContent: d.message ?? `${d.field}: expected ${d.expected}` }));
  } finally {
    if (scoring === mine) {
      scoring = null;
      file.progress.hidden = true;
    }
  }
}

/** @param {string} name @param {any} scored */
function showScored(name, scored) {
  file.status.textContent = scored.columns
    ? `Columns used: ${Object.entries(scored.columns).map(([feature, column]) => `${column} → ${feature}`).join(", ")}`
    : "";
  const rejected = scored.invalidRows ?? 0;
  file.summary.textContent = `${name}: ${(scored.scored ?? "all").toLocaleString()} rows scored in the `
    + `${scored.backend}${rejected ? `, ${rejected.toLocaleString()} rejected (listed below, with their row and line)` : ""}.`;
  // the previous file's downloads go: an object URL keeps its Blob alive until it is revoked
  for (const link of [file.downloadResult, file.downloadErrors, file.downloadDrift]) {
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  }
  file.downloadDrift.hidden = !scored.driftReport;
  if (scored.driftReport) file.downloadDrift.href = URL.createObjectURL(scored.driftReport);
  file.downloadResult.href = URL.createObjectURL(scored.result);
  const listed = scored.problems?.length ?? 0; // rejections and warnings alike
  file.downloadErrors.hidden = !scored.errors || listed === 0; // no link to a file of nothing
  if (scored.errors && listed) file.downloadErrors.href = URL.createObjectURL(scored.errors);
  // the answers first: a wide file's own columns would push them out of sight
  const header = scored.preview?.[0] ?? [];
  const answers = header.map((c, i) => (c === "prediction" || c.startsWith("probability_") ? i : -1)).filter((i) => i >= 0);
  const order = [...answers, ...header.map((_, i) => i).filter((i) => !answers.includes(i))];
  file.preview.replaceChildren(...(scored.preview ?? []).map((cells, i) => {
    const row = document.createElement("tr");
    row.append(...order.map((k) => Object.assign(document.createElement(i ? "td" : "th"), { textContent: cells[k] })));
    return row;
  }));
  file.byField.textContent = rejectionsByField(scored.problems ?? []);
  file.problems.replaceChildren(...(scored.problems ?? []).slice(0, 20).map((p) =>
    Object.assign(document.createElement("li"), { textContent: p.message })));
  file.histogram.replaceChildren(scored.histogram ? histogram(scored.histogram, scored.counts) : "");
  file.drivers.replaceChildren(scored.explanationSummary ? drivers(scored.explanationSummary) : "");
  file.result.hidden = false;
  document.body.dataset.scored = String(scored.scored ?? 0);
}

/** Problem codes that reject nothing: the row is scored and the value flagged (py_pipeline/problems.py). */
const WARNING_CODES = new Set(["out_of_range"]);

/**
 * How many problems each field had ("torque_nm 12, air_temperature_k 3"), most first; problems of
 * a whole record (a cell short) count as "the record". A scored file lists every problem.
 * @param {any[]} problems
 */
function rejectionsByField(problems) {
  const byField = (/** @type {any[]} */ some) => {
    const counts = new Map();
    for (const p of some) counts.set(p.field ?? "the record", (counts.get(p.field ?? "the record") ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).map(([field, n]) => `${field} ${n.toLocaleString()}`).join(", ");
  };
  const flagged = problems.filter((p) => WARNING_CODES.has(p.code));
  const rejected = problems.filter((p) => !WARNING_CODES.has(p.code));
  return [rejected.length ? `Rejected, by field: ${byField(rejected)}.` : "",
    flagged.length ? `Scored but outside the typical range, by field: ${byField(flagged)}.` : ""].filter(Boolean).join(" ");
}

/** Ten bars of the probability of one class over the scored rows (plain SVG), and the counts per class. */
function histogram({ of, counts }, perClass) {
  const SVG = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 320 152");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `rows by probability of ${of}`);
  const most = Math.max(1, ...counts);
  counts.forEach((n, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const height = (n / most) * 100;
    Object.entries({ x: 10 + i * 30, y: 110 - height * 0.9, width: 26, height: height * 0.9, fill: "#2856c6" })
      .forEach(([k, v]) => bar.setAttribute(k, String(v)));
    bar.dataset.count = String(n);
    svg.append(bar);
  });
  const label = (/** @type {string} */ text, /** @type {Record<string, string | number>} */ at) => {
    const el = document.createElementNS(SVG, "text");
    Object.entries({ "font-size": 12, ...at }).forEach(([k, v]) => el.setAttribute(k, String(v)));
    el.textContent = text;
    svg.append(el);
  };
  // both axes labelled: the probability under the bars, the tallest bar's count above it
  label("0%", { x: 10, y: 128 });
  label("50%", { x: 160, y: 128, "text-anchor": "middle" });
  label("100%", { x: 310, y: 128, "text-anchor": "end" });
  label(`${most.toLocaleString()} rows`, { x: 10, y: 14 });
  label(`probability of ${of}`, { x: 160, y: 146, "text-anchor": "middle" });
  const figure = document.createElement("figure");
  const manifest = ui.predictor.manifest;
  const predicted = Object.entries(perClass ?? {}).map(([c, n]) => `${classLabel(manifest, c)}, ${n.toLocaleString()} rows`)
    .join("; ");
  figure.append(svg, Object.assign(document.createElement("figcaption"), { textContent: `Predicted: ${predicted}` }));
  return figure;
}

/**
 * What drives the file's predictions: each feature's mean absolute contribution over the scored
 * rows, largest first, as bars (sized through the CSSOM: no inline style attribute, as the CSP asks).
 * @param {{rows: number, features: string[], meanAbs: number[]}} summary
 */
function drivers({ rows, features, meanAbs }) {
  const described = new Map((ui.predictor.manifest?.features ?? []).map((f) => [f.name, f.description || f.name]));
  const named = (/** @type {string} */ line) => line.split(" & ").map((n) => described.get(n) ?? n).join(" and ");
  const most = Math.max(...meanAbs, 1e-300);
  const figure = document.createElement("figure");
  figure.className = "drivers";
  figure.append(Object.assign(document.createElement("figcaption"),
    { textContent: `What drives these predictions: each feature's mean absolute contribution over ${rows.toLocaleString()} rows` }));
  features.slice(0, 10).forEach((feature, i) => {
    const item = Object.assign(document.createElement("div"), { className: "driver" });
    item.dataset.feature = feature;
    item.dataset.meanAbs = String(meanAbs[i]);
    const fill = Object.assign(document.createElement("span"), { className: "fill" });
    fill.style.width = `${((meanAbs[i] / most) * 100).toFixed(1)}%`;
    const track = Object.assign(document.createElement("span"), { className: "track" });
    track.append(fill);
    item.append(Object.assign(document.createElement("span"), { className: "name",
      textContent: feature.includes(" & ") ? `Computed from ${named(feature)}` : named(feature) }), track,
    Object.assign(document.createElement("span"), { className: "value", textContent: String(Number(meanAbs[i].toPrecision(2))) }));
    figure.append(item);
  });
  return figure;
}
