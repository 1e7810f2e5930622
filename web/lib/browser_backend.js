// Prediction in this browser: py_pipeline in Pyodide inside the page's shared module Web Worker.
import { columnarResult, encodeColumns, encodeRows, plainResult } from "./columns.js";
import { MessageType } from "./protocol.js";
import { acquireRuntime } from "./runtime.js";

/** @typedef {import("./protocol.js").Progress} Progress */

// From this many rows on, predict() sends typed-array columns; below it, JSON. Measured in
// Chromium (iris, Pyodide 0.27.7): 1 row 0.31 ms as JSON, 0.45 ms as columns (each typed array
// passed to Python becomes a JsProxy, which costs more than parsing a short string); 64 rows
// 0.73 ms as JSON, 0.53 ms as columns; 256 rows 1.9 ms against 0.56 ms.
const COLUMNS_FROM_ROWS = 32;

export class BrowserBackend {
  /**
   * Load the model in the page's worker (starting it if needed); rejects with a
   * PredictionError when the runtime or the model cannot be loaded.
   * @param {{name: string, version: string, url: string, allowPickle?: boolean}} model bundle directory URL in `url`
   * @param {{assets: string, onProgress?: (p: Progress) => void, timeoutMs?: number}} options `assets`: the
   *   assets folder's URL (runtime and wheels)
   * @returns {Promise<BrowserBackend>}
   */
  static async start(model, { assets, onProgress, timeoutMs = 120_000 }) {
    const runtime = acquireRuntime(assets, onProgress);
    let manifest;
    try {
      manifest = await runtime.call({ type: MessageType.LOAD_MODEL, model }, timeoutMs);
    } catch (error) {
      runtime.release();
      throw error;
    }
    runtime.retainModel(model);
    return new BrowserBackend(model, runtime, manifest);
  }

  #runtime;
  #model;
  #features;
  #classes;

  constructor(model, runtime, manifest) {
    this.name = "browser";
    this.#model = { name: model.name, version: model.version };
    this.#runtime = runtime;
    this.#features = manifest.features;
    this.#classes = manifest.task === "classification" ? (manifest.classes ?? []).length : 0;
  }

  /**
   * Batches cross to the worker as typed-array columns (columns.js); a few rows, or input the
   * encoder leaves alone (not a list, or arrays mixed with objects), go as JSON, with the same
   * answers and errors.
   * @param {unknown[]} rows
   * @returns {Promise<object>} the prediction, with backend "browser"
   */
  async predict(rows) {
    const batch = Array.isArray(rows) && rows.length >= COLUMNS_FROM_ROWS ? encodeRows(rows, this.#features) : null;
    if (!batch) {
      const result = await this.#runtime.call({ type: MessageType.PREDICT, model: this.#model, rows });
      return { ...result, backend: this.name };
    }
    return plainResult(await this.#predictBatch(batch));
  }

  /**
   * @param {import("./columns.js").Columns} columns
   * @returns {Promise<import("./columns.js").ColumnarResult>}
   */
  async predictColumns(columns) {
    return this.#predictBatch(encodeColumns(columns, this.#features));
  }

  /** @param {import("./columns.js").ColumnBatch} batch */
  async #predictBatch(batch) {
    batch.out = new Float64Array(batch.rows * (1 + this.#classes)); // the worker writes the answer here
    const answer = await this.#runtime.call({ type: MessageType.PREDICT_COLUMNS, model: this.#model, batch },
      undefined, [batch.numbers.buffer, batch.codes.buffer, batch.out.buffer]);
    return { ...columnarResult(answer, batch.rows), backend: this.name };
  }

  close() {
    this.#runtime.releaseModel(this.#model); // the bundle, once no predictor uses it
    this.#runtime.release(); // the runtime itself stays up (see runtime.js)
  }
}
