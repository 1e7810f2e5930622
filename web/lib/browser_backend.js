// Prediction in this browser: py_pipeline in Pyodide inside the page's shared module Web Worker.
import { MessageType } from "./protocol.js";
import { acquireRuntime } from "./runtime.js";

/** @typedef {import("./protocol.js").Progress} Progress */

export class BrowserBackend {
  /**
   * Load the model in the page's worker (starting it if needed); rejects with a
   * PredictionError when the runtime or the model cannot be loaded.
   * @param {{name: string, version: string, url: string}} model bundle directory URL in `url`
   * @param {{onProgress?: (p: Progress) => void, timeoutMs?: number}} [options]
   * @returns {Promise<BrowserBackend>}
   */
  static async start(model, { onProgress, timeoutMs = 120_000 } = {}) {
    const runtime = acquireRuntime(onProgress);
    try {
      await runtime.call({ type: MessageType.LOAD_MODEL, model }, timeoutMs);
    } catch (error) {
      runtime.release();
      throw error;
    }
    runtime.retainModel(model);
    return new BrowserBackend(model, runtime);
  }

  #runtime;
  #model;

  constructor(model, runtime) {
    this.name = "browser";
    this.#model = { name: model.name, version: model.version };
    this.#runtime = runtime;
  }

  /**
   * @param {unknown[]} rows
   * @returns {Promise<object>} the prediction, with backend "browser"
   */
  async predict(rows) {
    const result = await this.#runtime.call({ type: MessageType.PREDICT, model: this.#model, rows });
    return { ...result, backend: this.name };
  }

  close() {
    this.#runtime.releaseModel(this.#model); // the bundle, once no predictor uses it
    this.#runtime.release(); // the runtime itself stays up (see runtime.js)
  }
}
