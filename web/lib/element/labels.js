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
  const kind = f.type === "integer" ? "a whole number" : "a number";
  const unit = f.unit ? ` ${f.unit}` : "";
  if (f.minimum !== undefined && f.maximum !== undefined) return `Enter ${kind} from ${f.minimum} to ${f.maximum}${unit}`;
  if (f.minimum !== undefined) return `Enter ${kind} of at least ${f.minimum}${unit}`;
  if (f.maximum !== undefined) return `Enter ${kind} of at most ${f.maximum}${unit}`;
  return `Enter ${kind}${unit ? ` in${unit}` : ""}`;
}
