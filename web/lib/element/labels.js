// How <model-predictor> words things: classes, an imported model's source, percentages, what to
// enter in a field, the names of metrics.

/** @typedef {import("../manifest_types.js").FeatureField} FeatureField */

/** How the model card names a manifest's metrics. */
export const METRIC_NAMES = { accuracy: "accuracy", f1: "F1", roc_auc: "ROC AUC", r2: "R²", mae: "MAE",
  rmse: "RMSE", log_loss: "log loss", balanced_accuracy: "balanced accuracy" };

/**
 * A class as people read it: the code and what it means when the recipe says ("TWF: tool wear
 * failure"), else the class itself.
 * @param {any} manifest @param {unknown} c
 */
export function classLabel(manifest, c) {
  const meaning = manifest?.class_labels?.[String(c)];
  return meaning && meaning !== String(c) ? `${c}: ${meaning}` : String(c);
}

/**
 * Where an imported model came from, as the model card says it: the MLflow registered model,
 * version, alias and run, or the handed-over file and its sha256.
 * @param {any} lineage
 * @returns {string}
 */
export function lineageText(lineage) {
  if (!lineage) return "";
  if (lineage.source === "mlflow") {
    const model = lineage.name ? `MLflow model ${lineage.name} version ${lineage.version}` : "MLflow run";
    return [`${model}${lineage.alias ? ` (alias ${lineage.alias})` : ""}`,
      lineage.run_id && `run ${String(lineage.run_id).slice(0, 12)}`, `from ${lineage.uri}`].filter(Boolean).join(", ");
  }
  return `handed over as ${lineage.artifact}${lineage.artifact_sha256 ? ` (sha256 ${lineage.artifact_sha256.slice(0, 12)}…)` : ""}`;
}

/** @param {number} p */
export const percent = (p) => `${(p * 100).toFixed(1)}%`;

/**
 * Probabilities as shown: tenths of a percent that add up to exactly 100.0% (largest remainders
 * get the leftover tenths), and "<0.1%" for a probability that is not zero but rounds to it.
 * @param {number[]} probabilities
 * @returns {string[]}
 */
export function shownPercents(probabilities) {
  const tenths = probabilities.map((p) => Math.floor(p * 1000));
  const order = probabilities.map((p, i) => i).sort((a, b) => (probabilities[b] * 1000 - tenths[b])
    - (probabilities[a] * 1000 - tenths[a]));
  let left = 1000 - tenths.reduce((a, b) => a + b, 0);
  for (const i of order) {
    if (left <= 0) break;
    tenths[i] += 1;
    left -= 1;
  }
  return tenths.map((t, i) => (t === 0 && probabilities[i] > 0 ? "<0.1%" : `${(t / 10).toFixed(1)}%`));
}

/**
 * What to enter in a field, said once beside it ("Enter a number from 0 to 15 cm").
 * @param {any} f a feature of the manifest
 */
export function fieldAdvice(f) {
  if (f.type === "category") return `Choose one of ${f.categories.join(", ")}`;
  if (f.values) return `Choose one of ${f.values.join(", ")}`;
  const kind = f.type === "integer" ? "a whole number" : "a number";
  const unit = f.unit ? ` ${f.unit}` : "";
  if (f.minimum !== undefined && f.maximum !== undefined) return `Enter ${kind} from ${f.minimum} to ${f.maximum}${unit}`;
  if (f.minimum !== undefined) return `Enter ${kind} of at least ${f.minimum}${unit}`;
  if (f.maximum !== undefined) return `Enter ${kind} of at most ${f.maximum}${unit}`;
  return `Enter ${kind}${unit ? ` in${unit}` : ""}`;
}

/**
 * The range a number feature's form, hint and what-if chart use: its typical range (a value outside
 * is scored and flagged), else its limits. Either end may be unknown.
 * @param {any} f a feature of the manifest
 * @returns {{low: number | undefined, high: number | undefined, typical: boolean}}
 */
export function shownRange(f) {
  const typical = f.typical_minimum !== undefined || f.typical_maximum !== undefined;
  return { low: f.typical_minimum ?? f.minimum, high: f.typical_maximum ?? f.maximum, typical };
}

/**
 * The values a number feature takes, in words: its only values, its typical range, or its limits.
 * @param {any} f a feature of the manifest
 */
export function rangeText(f) {
  const unit = f.unit ? ` ${f.unit}` : "";
  if (f.values) return `${f.values.join(" / ")}${unit}`;
  const { low, high, typical } = shownRange(f);
  return `${typical ? "typically " : ""}${low ?? "−∞"} to ${high ?? "∞"}${unit}`;
}

/**
 * A regression's answer as a person reads it: four significant digits, grouped, with the unit
 * (the API and files keep full precision).
 * @param {number} value @param {string} [unit]
 */
export function shownValue(value, unit) {
  const rounded = value.toLocaleString("en", { maximumSignificantDigits: 4 });
  return unit ? `${rounded} ${unit}` : rounded;
}

/**
 * An answer's warnings (values outside their typical range) as lines for the page: which field,
 * its value, the typical range, and that the answer is less certain there.
 * @param {any} manifest @param {any} result
 * @returns {string[]}
 */
export function warningLines(manifest, result) {
  const byName = new Map((manifest?.features ?? []).map((/** @type {any} */ f) => [f.name, f]));
  const lines = (result.warnings ?? []).map((/** @type {any} */ w) => {
    const f = byName.get(w.field);
    const value = w.got.replace(/^got /, "").replace(/, outside it$/, "");
    const unit = f?.unit ? ` ${f.unit}` : "";
    const range = f ? rangeText(f).replace(/^typically /, "") : w.expected;
    return `${f?.description || w.field} ${value}${unit} is outside its typical range (${range}): the model saw `
      + "few such values, so this answer is less certain";
  });
  const more = (result.warning_count ?? lines.length) - lines.length;
  return more > 0 ? [...lines, `and ${more} more`] : lines;
}
