// The "Why?" view: one row's explanation as a signed bar chart, the largest first. Each bar is a
// feature, with the row's value and its unit; a line computed from several features says so.
// Plain elements sized through the CSSOM (no inline style attribute), so it works under a strict CSP.
import { explainedOutput, rowLines } from "../explanation.js";
import { classLabel } from "./labels.js";

/** Lines shown one by one; the rest are summed into one "other features" line. */
const MOST_LINES = 8;

/**
 * Show why the form's row got its answer.
 * @param {(id: string) => HTMLElement} el the element's parts by id @param {any} manifest
 * @param {import("../explanation.js").Explanation} explanation of the one row
 * @param {Record<string, unknown>} row the form's row @param {unknown} predicted the row's answer
 */
export function showWhy(el, manifest, explanation, row, predicted) {
  const output = explainedOutput(explanation, predicted);
  // a binary model's one margin is the second class's; a page that headlines the other class
  // (its positive class) reads it turned around: that class's log-odds are the margin negated
  const classes = explanation.outputs;
  const flip = explanation.output === "margin" && classes.length === 1 && manifest?.positive_class !== undefined
    && manifest.positive_class !== classes[0] && (manifest.classes ?? []).includes(manifest.positive_class) ? -1 : 1;
  const explained = flip < 0 ? manifest.positive_class : classes[output];
  const lines = rowLines(explanation, 0, output).map((l) => ({ ...l, value: flip * l.value }));
  const shown = lines.slice(0, MOST_LINES);
  const rest = lines.slice(MOST_LINES);
  if (rest.length) {
    shown.push({ feature: `${rest.length} other feature${rest.length > 1 ? "s" : ""}`,
                 value: rest.reduce((a, l) => a + l.value, 0), derived: null });
  }
  const base = flip * explanation.baseValues[output];
  const total = base + lines.reduce((a, l) => a + l.value, 0);
  const format = formatter(explanation.output, manifest?.target_unit);
  el("why-title").textContent = title(manifest, explanation.output, explained, base, total, format);
  const largest = Math.max(...shown.map((l) => Math.abs(l.value)), 1e-300);
  const features = new Map((manifest?.features ?? []).map((/** @type {any} */ f) => [f.name, f]));
  el("why-bars").replaceChildren(...shown.map((line) => bar(line, features, row, largest, format)));
  el("why-note").textContent = explanation.output === "probability" ? ""
    : explanation.output === "margin" ? "Contributions to the model's log-odds (its margin), before the probability."
      : "";
  el("why").hidden = false;
}

/**
 * Hide the view, saying why when there is a reason (a model that cannot be explained).
 * @param {(id: string) => HTMLElement} el @param {string} [reason]
 */
export function hideWhy(el, reason = "") {
  el("why-bars").replaceChildren();
  el("why-title").textContent = reason ? "Why? Not available for this model" : "";
  el("why-note").textContent = reason;
  el("why").hidden = !reason;
}

/**
 * @param {string} output @param {string} [unit]
 * @returns {(v: number, signed?: boolean) => string}
 */
function formatter(output, unit) {
  if (output === "probability") {
    return (v, signed = false) => `${signed && v >= 0 ? "+" : ""}${(v * 100).toFixed(Math.abs(v) < 0.001 ? 2 : 1)}${signed ? " pts" : "%"}`;
  }
  const suffix = output === "value" && unit ? ` ${unit}` : "";
  return (v, signed = false) => `${signed && v >= 0 ? "+" : ""}${Number(v.toPrecision(3))}${suffix}`;
}

/**
 * @param {any} manifest @param {string} output what the contributions add up to @param {unknown} explained
 *   the class explained @param {number} base @param {number} total @param {(v: number, signed?: boolean) => string} format
 */
function title(manifest, output, explained, base, total, format) {
  const what = output === "value" ? "the prediction"
    : `${output === "probability" ? "the probability" : "the log-odds"} of ${classLabel(manifest, explained)}`;
  return `Why? What moved ${what} from ${format(base)} on average to ${format(total)} here`;
}

/**
 * @param {import("../explanation.js").Line} line @param {Map<string, any>} features
 * @param {Record<string, unknown>} row @param {number} largest @param {(v: number, signed?: boolean) => string} format
 */
function bar(line, features, row, largest, format) {
  const item = document.createElement("div");
  item.className = `why-bar ${line.value >= 0 ? "up" : "down"}`;
  item.part = "why-bar";
  item.setAttribute("role", "listitem");
  item.dataset.feature = line.feature;
  item.dataset.value = String(line.value);
  const name = Object.assign(document.createElement("span"), { className: "name", textContent: label(line, features, row) });
  const track = Object.assign(document.createElement("span"), { className: "track" });
  const fill = Object.assign(document.createElement("span"), { className: "fill" });
  const half = (Math.abs(line.value) / largest) * 50; // each side is half the track
  fill.style.width = `${half.toFixed(2)}%`;
  fill.style.marginLeft = line.value >= 0 ? "50%" : `${(50 - half).toFixed(2)}%`;
  track.append(fill);
  const value = Object.assign(document.createElement("span"), { className: "value", textContent: format(line.value, true) });
  item.append(name, track, value);
  return item;
}

/**
 * A line's label: the feature's name and the row's value with its unit; a derived line names the
 * features it is computed from.
 * @param {import("../explanation.js").Line} line @param {Map<string, any>} features @param {Record<string, unknown>} row
 */
function label(line, features, row) {
  const named = (/** @type {string} */ name) => features.get(name)?.description || name.replaceAll("_", " ");
  if (line.derived) return `Computed from ${line.derived.from.map(named).join(" and ")}`;
  const feature = features.get(line.feature);
  if (!feature) return line.feature; // "n other features"
  const value = row[line.feature];
  const shown = value === null || value === undefined || value === "" ? "missing"
    : `${value}${feature.unit ? ` ${feature.unit}` : ""}`;
  return `${named(line.feature)} = ${shown}`;
}
