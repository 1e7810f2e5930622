// The client library with a chart: one batch of rows sweeping one feature, drawn as plain SVG
// (no charting library, no request outside the site).
import { createPredictor } from "../lib/predictor.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640, HEIGHT = 320, PAD = 40;
const COLORS = ["#2856c6", "#b4491c", "#2e7d32", "#8e24aa"];
const HELD = { sepal_length_cm: 5.8, sepal_width_cm: 3.0, petal_width_cm: 1.3 };

/** @param {string} name @param {Record<string, string | number>} attributes */
function svg(name, attributes) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, String(value));
  return el;
}

async function main() {
  document.getElementById("held").textContent = Object.entries(HELD).map(([k, v]) => `${k} ${v}`).join(", ");
  const predictor = await createPredictor({ model: "iris" });
  const lengths = Array.from({ length: 100 }, (_, i) => 1 + (6 * i) / 99);
  const result = await predictor.predict(lengths.map((petal_length_cm) => ({ ...HELD, petal_length_cm })));
  const x = (/** @type {number} */ v) => PAD + ((v - 1) / 6) * (WIDTH - 2 * PAD);
  const y = (/** @type {number} */ p) => HEIGHT - PAD - p * (HEIGHT - 2 * PAD);
  const chart = document.getElementById("chart");
  chart.append(svg("line", { x1: PAD, y1: y(0), x2: WIDTH - PAD, y2: y(0), stroke: "#888" }),
    svg("line", { x1: PAD, y1: y(0), x2: PAD, y2: y(1), stroke: "#888" }));
  for (const [value, label] of [[1, "1 cm"], [4, "4 cm"], [7, "7 cm"]]) {
    const text = svg("text", { x: x(value), y: HEIGHT - 15, "text-anchor": "middle", "font-size": 12 });
    text.textContent = String(label);
    chart.append(text);
  }
  const legend = document.getElementById("legend");
  result.classes.forEach((name, c) => {
    const points = lengths.map((v, i) => `${x(v).toFixed(1)},${y(result.probabilities[i][c]).toFixed(1)}`);
    chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: COLORS[c % COLORS.length],
      "stroke-width": 2, "data-class": name }));
    const item = document.createElement("li");
    item.textContent = name;
    item.style.color = COLORS[c % COLORS.length];
    legend.append(item);
  });
  document.getElementById("status").textContent = `100 rows predicted in the ${result.backend}`;
  document.body.dataset.ready = result.backend;
}

main().catch((error) => {
  document.getElementById("status").textContent = `Failed: ${error.message}`;
});
