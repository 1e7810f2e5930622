// Why a prediction: the explanation every backend answers (py_pipeline/explanations.py computes
// it, in the page's worker or on the server), held the same way whichever answered: the
// contributions as one Float64Array, row by row, then line by line, then output by output.

/**
 * @typedef {{
 *   model: {name: string, version: string}, output: "probability" | "margin" | "value",
 *   outputs: unknown[], features: string[], derived: {name: string, from: string[]}[],
 *   baseValues: number[], contributions: Float64Array, rows: number, warnings?: object[],
 *   warningCount?: number, backend: string,
 * }} Explanation `features`: one line per input feature, then one per set of features some
 *   columns are computed from (`derived`, named "a & b"); `contributions[(row * lines + line) *
 *   outputs.length + output]`; for every row and output, `baseValues[output]` plus the row's lines
 *   is the model's own output (`output`: a class's probability, a margin, or the value).
 * @typedef {{feature: string, value: number, derived: {name: string, from: string[]} | null}} Line
 */

/**
 * An explanation from the Python answer (nested lists from the server, or one flat list with its
 * `shape` from the worker, which makes it a Float64Array before it crosses to the page).
 * @param {any} answer @param {string} backend
 * @returns {Explanation}
 */
export function toExplanation(answer, backend) {
  const { base_values: baseValues, contributions, shape, warning_count: warningCount, ...rest } = answer;
  const flat = contributions instanceof Float64Array ? contributions
    : Float64Array.from(shape ? contributions : contributions.flat(2));
  const rows = shape ? shape[0] : contributions.length;
  return { ...rest, baseValues, contributions: flat, rows, ...(warningCount === undefined ? {} : { warningCount }), backend };
}

/**
 * The output a row is explained for: the predicted class when every class has its own output
 * (probabilities, or one margin per class), else the one output (a binary margin, a value).
 * @param {Explanation} explanation @param {unknown} predicted the row's predicted class
 */
export function explainedOutput(explanation, predicted) {
  const at = explanation.outputs.length > 1 ? explanation.outputs.indexOf(predicted) : 0;
  return at < 0 ? 0 : at;
}

/**
 * One row's lines for one output, largest first by size.
 * @param {Explanation} explanation @param {number} row @param {number} [output]
 * @returns {Line[]}
 */
export function rowLines(explanation, row, output = 0) {
  const k = explanation.outputs.length;
  const lines = explanation.features.length;
  const derived = new Map(explanation.derived.map((d) => [d.name, d]));
  return explanation.features
    .map((feature, j) => ({ feature, value: explanation.contributions[(row * lines + j) * k + output],
                            derived: derived.get(feature) ?? null }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
}

/**
 * A scored file's explanation summary: each line's mean absolute contribution over its scored
 * rows, largest first (the file tool's chart).
 * @param {Record<string, number>} sums each line's absolute contributions summed over the rows
 * @param {number} rows
 * @returns {{rows: number, features: string[], meanAbs: number[]}}
 */
export function fileSummary(sums, rows) {
  const means = Object.entries(sums).map(([feature, total]) => [feature, rows ? total / rows : 0])
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return { rows, features: means.map(([f]) => String(f)), meanAbs: means.map(([, m]) => Number(m)) };
}
