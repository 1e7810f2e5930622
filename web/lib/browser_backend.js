// Prediction in this browser: py_pipeline in Pyodide inside the page's shared module Web Worker.
import { DEFAULT_CHUNK_ROWS, cancelled, checkChunkSize, progressClock } from "./batch.js";
import { columnarResult, encodeColumns, encodeRows, plainResult } from "./columns.js";
import { fileSummary, toExplanation } from "./explanation.js";
import { MessageType } from "./protocol.js";
import { acquireRuntime } from "./runtime.js";
import { TelemetryQueue } from "./telemetry.js";

/** @typedef {import("./protocol.js").Progress} Progress */

// From this many rows on, predict() sends typed-array columns; below it, JSON. Measured in
// Chromium (iris, Pyodide 0.27.7): 1 row 0.31 ms as JSON, 0.45 ms as columns (each typed array
// passed to Python becomes a JsProxy, which costs more than parsing a short string); 64 rows
// 0.73 ms as JSON, 0.53 ms as columns; 256 rows 1.9 ms against 0.56 ms.
const COLUMNS_FROM_ROWS = 32;

/** @typedef {import("./backend.js").Backend} Backend */

/** @implements {Backend} */
export class BrowserBackend {
  /**
   * Load the model in the page's worker (starting it if needed); rejects with a
   * PredictionError when the runtime or the model cannot be loaded.
   * @param {{name: string, version: string, url: string, allowPickle?: boolean, manifestText?: Promise<string | undefined>}} model
   *   bundle directory URL in `url`; `manifestText`: its manifest as the page reads it (the worker fetches it
   *   when that gives nothing)
   * @param {{assets: string, onProgress?: (p: Progress) => void, timeoutMs?: number,
   *   telemetry?: {server: string, everyRows: number} | null}} options `assets`: the assets folder's URL
   *   (runtime and wheels); `telemetry`: as the constructor takes it
   * @returns {Promise<BrowserBackend>}
   */
  static async start(model, options) {
    const [runtime, manifest] = await load(model, options);
    return new BrowserBackend(model, options, runtime, manifest);
  }

  #runtime;
  #model;
  #load;
  #features;
  #classes;
  /** @type {Promise<void> | null} a fresh runtime starting, after the page's runtime died */
  #restarting = null;
  /** @type {TelemetryQueue | null} the page opted in to drift telemetry (telemetry.js) */
  #telemetry = null;
  #everyRows = 0;

  /**
   * @param {{name: string, version: string, url: string, allowPickle?: boolean,
   *   manifestText?: Promise<string | undefined>}} model
   * @param {{assets: string, onProgress?: (p: Progress) => void, timeoutMs?: number,
   *   telemetry?: {server: string, everyRows: number} | null}} options `telemetry`: where to send the
   *   counts of what this backend predicts (telemetry.js); none unless given
   * @param {ReturnType<typeof acquireRuntime>} runtime @param {import("./manifest_types.js").ManifestDocument} manifest
   */
  constructor(model, options, runtime, manifest) {
    /** @type {"browser"} */
    this.name = "browser";
    this.#model = { name: model.name, version: model.version };
    this.#load = () => load(model, options);
    this.#runtime = runtime;
    this.#features = manifest.features;
    this.#classes = manifest.task === "classification" ? (manifest.classes ?? []).length : 0;
    if (options.telemetry) {
      this.#telemetry = new TelemetryQueue(options.telemetry, this.#model);
      this.#everyRows = options.telemetry.everyRows;
    }
  }

  /** The page's drift telemetry so far (sent, queued, dropped), or null when it is off. */
  get telemetry() {
    return this.#telemetry?.status ?? null;
  }

  /**
   * A prediction's answer without the telemetry the worker put beside it (handed to the queue).
   * @template {{telemetry?: any}} T @param {T} result @returns {T}
   */
  #counted(result) {
    if (!result?.telemetry) return result;
    const { telemetry, ...rest } = result;
    if ("unavailable" in telemetry) this.#everyRows = 0; // no profile: stop counting, and say why in the status
    this.#telemetry?.take(telemetry);
    return /** @type {T} */ (rest);
  }

  /**
   * A call on the runtime; when the page's runtime has died since, a fresh one is started and the
   * model loaded in it first (one restart for every call that finds it dead).
   * @param {object} message @param {number} [timeoutMs] @param {Transferable[]} [transfer]
   */
  async #call(message, timeoutMs, transfer) {
    if (!this.#runtime.alive) {
      this.#restarting ??= this.#load().then(([runtime]) => {
        this.#runtime.release();
        this.#runtime = runtime;
      }).finally(() => { this.#restarting = null; });
      await this.#restarting;
    }
    return this.#runtime.call(message, timeoutMs, transfer);
  }

  /**
   * Batches cross to the worker as typed-array columns (columns.js); a few rows, or input the
   * encoder leaves alone (not a list, or arrays mixed with objects), go as JSON, with the same
   * answers and errors.
   * @param {unknown[]} rows
   * @param {import("./server_backend.js").PredictOptions} [options] `firstRow` numbers the problems
   * @returns {Promise<object>} the prediction, with backend "browser"
   */
  async predict(rows, { firstRow = 1 } = {}) {
    const batch = Array.isArray(rows) && rows.length >= COLUMNS_FROM_ROWS ? encodeRows(rows, this.#features) : null;
    if (!batch) {
      const result = await this.#call({ type: MessageType.PREDICT, model: this.#model, rows, firstRow,
        telemetry: this.#everyRows });
      return { ...this.#counted(result), backend: this.name };
    }
    return plainResult(await this.#predictBatch(batch, firstRow));
  }

  /**
   * @param {import("./columns.js").Columns} columns
   * @returns {Promise<import("./columns.js").ColumnarResult>}
   */
  async predictColumns(columns) {
    return this.#predictBatch(encodeColumns(columns, this.#features));
  }

  /**
   * Why each row's answer: batches cross as typed-array columns (as for predict), a few rows as
   * JSON; the contributions come back as one Float64Array. The rows never leave the device.
   * @param {unknown[]} rows @param {import("./backend.js").PredictOptions} [options]
   * @returns {Promise<import("./explanation.js").Explanation>}
   */
  async explain(rows, { firstRow = 1 } = {}) {
    const batch = Array.isArray(rows) && rows.length >= COLUMNS_FROM_ROWS ? encodeRows(rows, this.#features) : null;
    const answer = batch
      ? await this.#call({ type: MessageType.EXPLAIN_COLUMNS, model: this.#model, batch, firstRow }, undefined,
        [batch.numbers.buffer, batch.codes.buffer])
      : await this.#call({ type: MessageType.EXPLAIN, model: this.#model, rows, firstRow });
    return toExplanation(answer, this.name);
  }

  /** @param {import("./columns.js").ColumnBatch} batch @param {number} [firstRow] */
  async #predictBatch(batch, firstRow = 1) {
    batch.out = new Float64Array(batch.rows * (1 + this.#classes)); // the worker writes the answer here
    const answer = await this.#call({ type: MessageType.PREDICT_COLUMNS, model: this.#model, batch, firstRow,
      telemetry: this.#everyRows }, undefined, [batch.numbers.buffer, batch.codes.buffer, batch.out.buffer]);
    return { ...columnarResult(this.#counted(answer), batch.rows), backend: this.name };
  }

  /**
   * Score a CSV file here, a chunk of rows at a time: parsed, validated and predicted by
   * py_pipeline's CSV module in the worker, so the file never leaves the device. Valid rows are
   * scored; every invalid one is listed with its line. `signal` cancels between chunks.
   * @param {string | Blob} text the file's text, or the File itself (read in the worker, off the main thread)
   * @param {import("./backend.js").ScoreOptions} [options] `explain`: each row's explanation too
   * @returns {Promise<import("./backend.js").ScoredFile>}
   */
  async scoreCsv(text, { chunkSize = DEFAULT_CHUNK_ROWS, signal, onProgress, explain = false, drift = false } = {}) {
    checkChunkSize(chunkSize);
    if (signal?.aborted) throw cancelled();
    const opened = await this.#call({ type: MessageType.CSV_OPEN, model: this.#model, text, explain, drift });
    // the file is held by the runtime that opened it: if that one dies, the file's calls fail
    const runtime = this.#runtime;
    const call = (/** @type {object} */ message) => runtime.call(message);
    const clock = progressClock(opened.total);
    try {
      // `total` is an estimate from the line count until the last chunk makes it exact
      let state = { done: 0, total: opened.total, scored: 0, invalid_rows: 0 };
      while (state.done < state.total) {
        if (signal?.aborted) throw cancelled();
        state = await call({ type: MessageType.CSV_STEP, file: opened.id, rows: chunkSize });
        onProgress?.({ ...clock(state.done, state.total), scored: state.scored, invalidRows: state.invalid_rows });
      }
      const files = await call({ type: MessageType.CSV_FINISH, file: opened.id });
      return { columns: opened.columns, total: opened.total, scored: files.scored, invalidRows: files.invalid_rows,
               result: files.result, errors: files.errors, problems: files.problems, preview: files.preview,
               counts: files.counts, histogram: files.histogram, backend: this.name,
               ...(files.contribution_sums ? { explanationSummary: fileSummary(files.contribution_sums, files.scored) } : {}),
               ...(files.drift_report ? { driftReport: files.drift_report } : {}) };
    } catch (error) {
      if (runtime.alive) call({ type: MessageType.CSV_CANCEL, file: opened.id }).catch(() => {});
      throw error;
    }
  }

  close() {
    this.#telemetry?.close(); // what is queued stays for a later visit
    this.#runtime.releaseModel(this.#model); // the bundle, once no predictor uses it
    this.#runtime.release(); // the runtime itself stays up (see runtime.js)
  }
}

/**
 * Load the model in the page's worker (starting it if needed): the runtime handle, retaining the
 * model, and the model's manifest.
 * @param {{name: string, version: string, url: string, allowPickle?: boolean,
 *   manifestText?: Promise<string | undefined>}} model
 * @param {{assets: string, onProgress?: (p: Progress) => void, timeoutMs?: number}} options
 * @returns {Promise<[ReturnType<typeof acquireRuntime>, any]>}
 */
async function load(model, { assets, onProgress, timeoutMs = 120_000 }) {
  const runtime = acquireRuntime(assets, onProgress); // the worker starts while the manifest is read
  let manifest;
  try {
    const message = { ...model, manifestText: await model.manifestText };
    manifest = await runtime.call({ type: MessageType.LOAD_MODEL, model: message }, timeoutMs);
  } catch (error) {
    runtime.release();
    throw error;
  }
  runtime.retainModel(model);
  return [runtime, manifest];
}
