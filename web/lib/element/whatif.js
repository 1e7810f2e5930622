// The what-if chart: one number feature swept over its range in 100 steps, the others held at the
// form's values, predicted as one batch; drawn as plain SVG (no script or style from elsewhere,
// so it works under a strict CSP): the probability of the positive class (else of each class),
// or the predicted value.

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2856c6", "#b4491c", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41"];

/**
 * The features a chart can sweep: numbers with both ends of their range known.
 * @param {any} manifest
 * @returns {any[]}
 */
export function sweepable(manifest) {
  return (manifest?.features ?? []).filter((/** @type {any} */ f) => f.type !== "category"
    && f.minimum !== undefined && f.maximum !== undefined);
}

/**
 * The 100 values a feature is swept over (whole numbers for an integer feature).
 * @param {any} feature
 * @returns {number[]}
 */
export function sweep(feature) {
  return Array.from({ length: 100 }, (_, i) => feature.minimum + ((feature.maximum - feature.minimum) * i) / 99)
    .map((x) => (feature.type === "integer" ? Math.round(x) : x));
}

/**
 * Draw the swept predictions into `chart` (an <svg>).
 * @param {Element} chart @param {any} feature @param {number[]} steps @param {any} result the
 *   batch's answer @param {unknown} positive the manifest's positive class, if any
 */
export function drawWhatIf(chart, feature, steps, result, positive) {
  const series = result.probabilities
    ? (positive !== undefined ? [result.classes.indexOf(positive)] : result.classes.map((/** @type {unknown} */ _, /** @type {number} */ c) => c))
      .map((/** @type {number} */ c) => ({ name: String(result.classes[c]),
        values: result.probabilities.map((/** @type {number[]} */ p) => p[c]) }))
    : [{ name: "prediction", values: result.predictions }];
  const all = series.flatMap((/** @type {{values: number[]}} */ s) => s.values);
  const [low, high] = result.probabilities ? [0, 1] : [Math.min(...all), Math.max(...all) || 1];
  const x = (/** @type {number} */ v) => 30 + ((v - feature.minimum) / (feature.maximum - feature.minimum || 1)) * 280;
  const y = (/** @type {number} */ v) => 120 - ((v - low) / (high - low || 1)) * 110;
  const make = (/** @type {string} */ tag, /** @type {Record<string, string | number>} */ attributes, text = "") => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
    el.textContent = text;
    return el;
  };
  chart.setAttribute("aria-label", `${series.map((/** @type {{name: string}} */ s) => s.name).join(", ")} as ${feature.name} changes`);
  chart.replaceChildren(
    make("line", { x1: 30, y1: 120, x2: 310, y2: 120, stroke: "#999" }),
    make("text", { x: 30, y: 138, "font-size": 10 }, `${feature.minimum}`),
    make("text", { x: 310, y: 138, "font-size": 10, "text-anchor": "end" }, `${feature.maximum} ${feature.unit ?? ""}`),
    make("text", { x: 0, y: 14, "font-size": 10 }, result.probabilities ? "100%" : String(Number(high.toPrecision(3)))),
    ...series.map((/** @type {{name: string, values: number[]}} */ s, /** @type {number} */ k) => make("polyline", {
      points: s.values.map((v, i) => `${x(steps[i]).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
      fill: "none", stroke: COLORS[k % COLORS.length], "stroke-width": 2, "data-series": s.name,
      "data-x": JSON.stringify(steps), "data-values": JSON.stringify(s.values),
    })),
    ...series.map((/** @type {{name: string}} */ s, /** @type {number} */ k) => make("text", { x: 310, y: 14 + 12 * k,
      "font-size": 10, "text-anchor": "end", fill: COLORS[k % COLORS.length] }, s.name)),
  );
}
