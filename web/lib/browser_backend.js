// Prediction in this browser: py_pipeline in Pyodide inside a module Web Worker.
import { ErrorCode, PredictionError } from "./errors.js";
import { MessageType } from "./protocol.js";

/** @typedef {import("./protocol.js").Progress} Progress */

export class BrowserBackend {
  /**
   * Start the worker and load the model; rejects with a PredictionError when either fails.
   * @param {{name: string, version: string, url: string}} model bundle directory URL in `url`
   * @param {{onProgress?: (p: Progress) => void, timeoutMs?: number}} [options]
   * @returns {Promise<BrowserBackend>}
   */
  static async start(model, { onProgress, timeoutMs = 120_000 } = {}) {
    const backend = new BrowserBackend(model, onProgress);
    try {
      await backend.#call({ type: MessageType.LOAD_MODEL, model }, timeoutMs);
    } catch (error) {
      backend.close();
      throw error;
    }
    return backend;
  }

  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  #pending = new Map();
  #nextId = 1;
  #worker;
  #model;

  constructor(model, onProgress) {
    this.name = "browser";
    this.#model = { name: model.name, version: model.version };
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker.addEventListener("message", (event) => {
      const message = event.data;
      if (message.type === MessageType.PROGRESS) {
        onProgress?.(message);
        return;
      }
      const entry = this.#pending.get(message.id);
      if (!entry) return;
      if (message.ok) entry.resolve(message.result);
      else entry.reject(PredictionError.from(message.error));
    });
    // A worker that cannot start (script error, no WebAssembly) fails every pending call.
    this.#worker.addEventListener("error", (event) => {
      event.preventDefault?.();
      this.#failAll(new PredictionError(ErrorCode.WORKER_FAILED, `the browser runtime failed: ${event.message ?? "worker error"}`));
    });
  }

  /**
   * @param {unknown[]} rows
   * @returns {Promise<object>} the prediction, with backend "browser"
   */
  async predict(rows) {
    const result = await this.#call({ type: MessageType.PREDICT, model: this.#model, rows });
    return { ...result, backend: this.name };
  }

  close() {
    this.#worker?.terminate();
    this.#failAll(new PredictionError(ErrorCode.CLOSED, "the predictor was closed"));
    this.#worker = null;
  }

  /** @param {object} message @param {number} [timeoutMs] */
  #call(message, timeoutMs) {
    if (!this.#worker) return Promise.reject(new PredictionError(ErrorCode.CLOSED, "the predictor was closed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      let timer;
      if (timeoutMs) {
        timer = setTimeout(() => reject(new PredictionError(ErrorCode.WORKER_FAILED,
          `the browser runtime did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...message });
    }).finally(() => {
      this.#pending.delete(id);
    });
  }

  /** @param {Error} error */
  #failAll(error) {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
