// The answer: the predicted class (or value, rounded), which backend answered, the positive class's
// probability as a headline, values outside their typical range, and a bar per class from the most likely.
import { classLabel, percent, shownPercents, shownValue, warningLines } from "./labels.js";

/**
 * Show `result` (one row's answer) in the element's result parts.
 * @param {(id: string) => HTMLElement} el the element's parts by id @param {any} manifest @param {any} result
 */
export function showResult(el, manifest, result) {
  const answer = result.predictions[0];
  el("label").textContent = manifest?.task === "regression" && typeof answer === "number"
    ? shownValue(answer, manifest.target_unit) : classLabel(manifest, answer);
  const warnings = el("warnings");
  const lines = warningLines(manifest, result);
  warnings.replaceChildren(...lines.map((line) => Object.assign(document.createElement("li"), { textContent: line })));
  warnings.hidden = lines.length === 0;
  const badge = el("backend");
  badge.textContent = result.backend;
  badge.dataset.backend = result.backend;
  el("model-version").textContent = `${result.model.name} ${result.model.version}`;
  /** @type {number[]} */
  const probabilities = result.probabilities?.[0] ?? [];
  const positive = manifest?.positive_class;
  const index = positive === undefined ? -1 : result.classes.indexOf(positive);
  const headline = el("headline");
  headline.hidden = index < 0;
  const shown = shownPercents(probabilities);
  if (index >= 0) {
    const name = positive.replaceAll("_", " ");
    headline.textContent = `${name[0].toUpperCase()}${name.slice(1)} probability ${shown[index]}`;
  }
  const order = probabilities.map((_, i) => i).sort((a, b) => probabilities[b] - probabilities[a]);
  el("bars").replaceChildren(...order.map((i) => {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.part = "bar";
    bar.dataset.class = result.classes[i];
    const name = Object.assign(document.createElement("span"),
      { className: "name", textContent: classLabel(manifest, result.classes[i]) });
    const track = Object.assign(document.createElement("span"), { className: "track" });
    const fill = Object.assign(document.createElement("span"), { className: "fill" });
    fill.style.width = percent(probabilities[i]);
    track.append(fill);
    const value = Object.assign(document.createElement("span"), { className: "value", textContent: shown[i] });
    bar.append(name, track, value);
    return bar;
  }));
  el("result").hidden = false;
}
