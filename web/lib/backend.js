// The one contract every backend implements (browser, server, and the warm-up that answers on
// the server until the browser is ready), checked by tsc through each class's @implements, and
// the small registry that picks one: candidates are tried in order, and each one that refuses is
// recorded with why (as onnxruntime-web's resolveBackend records {name, err}).

/**
 * @typedef {{signal?: AbortSignal, firstRow?: number}} PredictOptions `signal` cancels the call;
 *   `firstRow` (from 1) is the row number of the first row sent, when they are a chunk of a larger
 *   batch: the backend names each problem's row in the whole batch.
 * @typedef {{done: number, total: number, rowsPerSecond: number, secondsLeft: number, scored: number,
 *   invalidRows: number}} FileProgress
 * @typedef {{chunkSize?: number, signal?: AbortSignal, onProgress?: (p: FileProgress) => void,
 *   explain?: boolean, drift?: boolean}} ScoreOptions `explain`: add each scored row's explanation
 *   (contribution_ columns of its predicted class, base_value, explained_class) and a summary of
 *   them; `drift` (browser mode): a drift report of the file against the model's reference profile
 * @typedef {{code?: string, row: number | null, line: number | null, field: string | null, expected: string,
 *   got?: string, message: string}} Problem
 * @typedef {{
 *   columns: Record<string, string>, total: number, scored: number, invalidRows: number,
 *   result: Blob, errors: Blob, problems: Problem[], preview: unknown[][],
 *   counts?: Record<string, number>, histogram?: {of: string, counts: number[]}, backend: string,
 *   explanationSummary?: {rows: number, features: string[], meanAbs: number[]}, driftReport?: Blob,
 * }} ScoredFile A scored file, the same in both modes: which column fed each feature, rows read,
 *   scored and rejected, the result file (the file's columns, then the prediction and one
 *   probability column per class), the error file (`row, line, field, expected, problem`), every
 *   problem with its row and line, a preview (the result's header, then its first rows) and, in
 *   the browser, `counts` per class and a `histogram` of the probabilities; when explained, each
 *   feature's mean absolute contribution over the scored rows, largest first
 */

/**
 * @typedef {object} Backend
 * @property {"browser" | "server"} name which backend answers the next call
 * @property {(rows: unknown[], options?: PredictOptions) => Promise<any>} predict
 * @property {(rows: unknown[], options?: PredictOptions) => Promise<import("./explanation.js").Explanation>} explain
 * @property {(columns: import("./columns.js").Columns) => Promise<import("./columns.js").ColumnarResult>} predictColumns
 * @property {(file: string | Blob, options?: ScoreOptions) => Promise<ScoredFile>} scoreCsv
 * @property {import("./telemetry.js").TelemetryStatus | null} [telemetry] drift telemetry (browser backends)
 * @property {() => void} close
 */

/**
 * @typedef {{name: string, refusal?: () => string | null, start: () => Promise<Backend>}} Candidate
 *   `refusal`: why it cannot be used, checked before starting it (null: it can); `start` may reject
 * @typedef {{name: string, reason: string, error?: unknown}} Refusal `error`: what `start` rejected
 *   with, for a candidate that refused only when started
 */

/**
 * The first candidate that starts, in order, and every refusal before it. Rejects with the last
 * error when none starts.
 * @param {Candidate[]} candidates
 * @returns {Promise<{backend: Backend, refused: Refusal[]}>}
 */
export async function resolveBackend(candidates) {
  /** @type {Refusal[]} */
  const refused = [];
  let last = null;
  for (const candidate of candidates) {
    const reason = candidate.refusal?.() ?? null;
    if (reason) {
      refused.push({ name: candidate.name, reason });
      last = new Error(reason);
      continue;
    }
    try {
      return { backend: await candidate.start(), refused };
    } catch (error) {
      refused.push({ name: candidate.name, reason: `it failed to start: ${error?.message ?? error}`, error });
      last = error;
    }
  }
  throw Object.assign(last ?? new Error("no backend to choose from"), { refused });
}
