// The what-if chart: one number feature swept over its range in 100 steps, the others held at the
// form's values, predicted as one batch; drawn as plain SVG (no script or style from elsewhere,
// so it works under a strict CSP): the probability of the positive class (else of each class),
// or the predicted value.

import { shownRange } from "./labels.js";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2856c6", "#b4491c", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41"];

/**
 * The features a chart can sweep: numbers with both ends of their range known.
 * @param {any} manifest
 * @returns {any[]}
 */
export function sweepable(manifest) {
  return (manifest?.features ?? []).filter((/** @type {any} */ f) => {
    const { low, high } = shownRange(f);
    return f.type !== "category" && !f.values && low !== undefined && high !== undefined && high > low;
  });
}

/**
 * The 100 values a feature is swept over (whole numbers for an integer feature).
 * @param {any} feature
 * @returns {number[]}
 */
export function sweep(feature) {
  const { low, high } = shownRange(feature); // the typical range, where the model saw data
  return Array.from({ length: 100 }, (_, i) => low + ((high - low) * i) / 99)
    .map((x) => (feature.type === "integer" ? Math.round(x) : x));
}

/**
 * Draw the swept predictions into `chart` (an <svg>): both ends of each axis labelled, the form's
 * current value marked, and a flat line said to be flat (the feature does not move the answer there).
 * @param {Element} chart @param {any} feature @param {number[]} steps @param {any} result the
 *   batch's answer @param {unknown} positive the manifest's positive class, if any
 * @param {number | null} [current] the form's value of the swept feature
 */
export function drawWhatIf(chart, feature, steps, result, positive, current = null) {
  const series = result.probabilities
    ? (positive !== undefined ? [result.classes.indexOf(positive)] : result.classes.map((/** @type {unknown} */ _, /** @type {number} */ c) => c))
      .map((/** @type {number} */ c) => ({ name: String(result.classes[c]),
        values: result.probabilities.map((/** @type {number[]} */ p) => p[c]) }))
    : [{ name: "prediction", values: result.predictions }];
  const all = series.flatMap((/** @type {{values: number[]}} */ s) => s.values);
  const [min, max] = [Math.min(...all), Math.max(...all)];
  const flat = max - min <= 1e-9 * Math.max(1, Math.abs(max));
  // probabilities on 0-100%; values on their own span, widened around a flat line so it sits mid-box
  const pad = flat ? Math.max(Math.abs(max) * 0.1, 1) : 0;
  const [low, high] = result.probabilities ? [0, 1] : [min - pad, max + pad];
  const first = steps[0];
  const last = steps[steps.length - 1];
  const x = (/** @type {number} */ v) => 44 + ((v - first) / (last - first || 1)) * 266;
  const y = (/** @type {number} */ v) => 120 - ((v - low) / (high - low || 1)) * 106;
  const make = (/** @type {string} */ tag, /** @type {Record<string, string | number>} */ attributes, text = "") => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
    el.textContent = text;
    return el;
  };
  const tick = (/** @type {number} */ v) => (result.probabilities ? `${Math.round(v * 100)}%` : String(Number(v.toPrecision(3))));
  const unit = feature.unit ? ` ${feature.unit}` : "";
  const marked = current !== null && current !== undefined && Number.isFinite(current) && current >= first && current <= last;
  chart.setAttribute("aria-label", `${series.map((/** @type {{name: string}} */ s) => s.name).join(", ")} as ${feature.name} changes`
    + (flat ? ": flat, this feature does not change the answer over this range" : ""));
  chart.replaceChildren(
    make("line", { x1: 44, y1: 120, x2: 310, y2: 120, stroke: "#999" }),
    make("line", { x1: 44, y1: 14, x2: 44, y2: 120, stroke: "#999" }),
    make("text", { x: 44, y: 136, "font-size": 11 }, `${Number(first.toPrecision(4))}`),
    make("text", { x: 310, y: 136, "font-size": 11, "text-anchor": "end" }, `${Number(last.toPrecision(4))}${unit}`),
    make("text", { x: 40, y: 18, "font-size": 11, "text-anchor": "end" }, tick(high)),
    make("text", { x: 40, y: 120, "font-size": 11, "text-anchor": "end" }, tick(low)),
    ...(marked ? [make("line", { x1: x(current), y1: 14, x2: x(current), y2: 120, stroke: "#555",
      "stroke-dasharray": "3 3", "data-current": current }),
    make("text", { x: x(current), y: 148, "font-size": 11, "text-anchor": "middle" }, "now")] : []),
    ...series.map((/** @type {{name: string, values: number[]}} */ s, /** @type {number} */ k) => make("polyline", {
      points: s.values.map((v, i) => `${x(steps[i]).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
      fill: "none", stroke: COLORS[k % COLORS.length], "stroke-width": 2, "data-series": s.name,
      "data-x": JSON.stringify(steps), "data-values": JSON.stringify(s.values),
    })),
    ...series.map((/** @type {{name: string}} */ s, /** @type {number} */ k) => make("text", { x: 310, y: 14 + 12 * k,
      "font-size": 11, "text-anchor": "end", fill: COLORS[k % COLORS.length] }, s.name)),
    ...(flat ? [make("text", { x: 177, y: 100, "font-size": 11, "text-anchor": "middle", fill: "#555" },
      "flat: no change over this range")] : []),
  );
}
