// The model card: what the model is, what it takes, how well it did on held-out rows, what it was
// trained on, where it runs and what the browser downloads. All from the manifest.
import { METRIC_NAMES, classLabel, lineageText, rangeText } from "./labels.js";

/**
 * The card's content: a list of facts and the table of features.
 * @param {any} manifest
 * @returns {HTMLElement[]}
 */
export function modelCard(manifest) {
  const text = (/** @type {string} */ tag, /** @type {string} */ value, className = "") =>
    Object.assign(document.createElement(tag), { textContent: value, className });
  const facts = document.createElement("dl");
  const add = (/** @type {string} */ term, /** @type {string} */ value) => {
    if (value) facts.append(text("dt", term), text("dd", value));
  };
  const m = manifest.metrics ?? {};
  const scores = Object.entries(m).filter(([k, v]) => typeof v === "number" && k !== "test_rows")
    .map(([k, v]) => `${METRIC_NAMES[k] ?? k} ${Number(v.toFixed(4))}`).join(", ");
  add("Model", `${manifest.name} ${manifest.version} (${manifest.task})`);
  add("Held-out metrics", scores && `${scores}${m.test_rows ? ` on ${m.test_rows.toLocaleString("en")} rows not used in training` : ""}`);
  if (manifest.classes) add("Classes", manifest.classes.map((/** @type {unknown} */ c) => classLabel(manifest, c)).join("; "));
  const data = manifest.training_data ?? {};
  add("Training data", [data.rows && `${data.rows.toLocaleString("en")} rows`, data.seed !== undefined && `seed ${data.seed}`,
    data.sha256 && `sha256 ${data.sha256.slice(0, 12)}…`].filter(Boolean).join(", "));
  add("Source", lineageText(manifest.lineage));
  add("Runs", (manifest.runtimes ?? []).map((/** @type {string} */ r) => `${r} (${manifest.engines?.[r] ?? "scikit-learn"} engine)`).join(", "));
  const files = manifest.engines?.browser === "portable" ? Object.values(manifest.portable ?? {}) : [manifest.artifact];
  const bytes = files.reduce((sum, f) => sum + (f?.size ?? 0), 0);
  add("Download", bytes ? `${(bytes / 1024).toFixed(0)} KB of model files` : "");
  const table = document.createElement("table");
  const head = document.createElement("tr");
  head.append(text("th", "Feature"), text("th", "Unit"), text("th", "Accepted values"));
  table.append(head, ...manifest.features.map((/** @type {any} */ f) => {
    const row = document.createElement("tr");
    row.append(text("td", f.description || f.name), text("td", f.unit ?? ""),
      text("td", (f.type === "category" ? f.categories.join(", ")
        : `${f.type === "integer" ? "whole numbers" : "numbers"}, ${f.values ? "only " : ""}${rangeText(f)}`)
          + (f.missing ? ", or empty" : "")));
    return row;
  }));
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.append(table);
  return [facts, wrap];
}
