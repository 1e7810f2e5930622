// The worker protocol in one place. Every request carries an `id`; the worker answers
// with the same id, either {ok: true, result} or {ok: false, error: {code, message, details}}.
// Progress messages carry no id.

/** Message types the page sends to the worker, and the progress type it sends back. */
export const MessageType = Object.freeze({
  START: "start",
  LOAD_MODEL: "load-model",
  UNLOAD_MODEL: "unload-model",
  PREDICT: "predict",
  PREDICT_COLUMNS: "predict-columns",
  EXPLAIN: "explain",
  EXPLAIN_COLUMNS: "explain-columns",
  CSV_OPEN: "csv-open",
  CSV_STEP: "csv-step",
  CSV_FINISH: "csv-finish",
  CSV_CANCEL: "csv-cancel",
  PROGRESS: "progress",
  ALIVE: "alive",
});

/**
 * @typedef {{type: "start", assets: string, lock: string}} StartRequest
 *   The first message, with no id and no answer: where the runtime, wheels and precache manifest
 *   are served (the assets folder, ending in "/"). The worker imports Pyodide from there, so a
 *   bundler that moves this worker leaves the runtime where the site serves it. `lock`: a Web
 *   Lock the worker holds for its whole life; it answers {type: "alive"} once it holds it, and the
 *   page then asks for the same lock, which the browser grants when the worker ends.
 * @typedef {{id: number, type: "load-model", model: {name: string, version: string, url: string,
 *   allowPickle?: boolean, manifestText?: string}}} LoadModelRequest
 *   Load the bundle whose directory is at `url` (absolute, ending in "/"); `manifestText` is its
 *   manifest as the page read it, so that it is fetched once.
 * @typedef {{id: number, type: "unload-model", model: {name: string, version: string}}} UnloadModelRequest
 *   Forget a bundle no predictor on the page uses any more (the runtime itself stays up).
 * @typedef {{id: number, type: "predict", model: {name: string, version: string}, rows: unknown[],
 *   telemetry?: number}} PredictRequest
 *   Rows as JSON, for input the column encoder leaves alone (not a list, or arrays mixed with objects).
 *   `telemetry` (also on predict-columns): count the predictions against the model's profile; once
 *   this many rows are counted the answer's `result.telemetry` carries the report to send
 *   (telemetry.js), or `{unavailable}` for a model without a profile.
 * @typedef {{id: number, type: "predict-columns", model: {name: string, version: string},
 *   batch: import("./columns.js").ColumnBatch}} PredictColumnsRequest
 *   A column batch (its buffers transferred); the answer's `result` carries typed arrays
 *   (columns.js TypedAnswer), also transferred.
 * @typedef {{id: number, type: "explain" | "explain-columns", model: {name: string, version: string},
 *   rows?: unknown[], batch?: import("./columns.js").ColumnBatch, firstRow?: number}} ExplainRequest
 *   Explain rows (JSON) or a column batch (its buffers transferred); the answer's `result` is the
 *   explanation with its contributions as one Float64Array (explanation.js), transferred.
 * @typedef {{id: number, type: "csv-open", model: {name: string, version: string}, text: string | Blob,
 *   explain?: boolean, drift?: boolean}} CsvOpenRequest
 *   Read a CSV file with the model's columns (py_pipeline/csv_io.py) and hold it: the answer has
 *   its `id`, row count (`total`) and which column feeds each feature (`columns`).
 * @typedef {{id: number, type: "csv-step" | "csv-finish" | "csv-cancel", file: number, rows?: number}} CsvStepRequest
 *   Score the next `rows` rows of file `file`; finish it (the result and error files, a preview,
 *   the counts a chart needs); or drop it.
 * @typedef {{code: string, message: string, details: object[]}} ErrorInfo
 * @typedef {{id: number, ok: true, result: any} | {id: number, ok: false, error: ErrorInfo}} Reply
 * @typedef {{type: "progress", stage: string, fraction: number, message: string, loaded?: number,
 *   total?: number, snapshot?: string}} Progress
 *   `stage`: "runtime" (with `loaded` and `total` bytes of its download), "model", "ready" (the
 *   runtime's carries `snapshot`: "restored from this device's snapshot", or why Python started
 *   as usual), "snapshot" (after a first visit's ready: `snapshot` "made", or "not made: <why>").
 */
