// One Pyodide worker per page, shared by every browser predictor on it: a page with three
// models boots the Python runtime once. The worker is terminated when the last user releases it.
import { ErrorCode, PredictionError } from "./errors.js";
import { MessageType } from "./protocol.js";

/** @typedef {import("./protocol.js").Progress} Progress */

class WorkerRuntime {
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  #pending = new Map();
  /** @type {Set<(p: Progress) => void>} */
  #listeners = new Set();
  #nextId = 1;
  #users = 0;
  /** @type {Worker | null} */
  #worker;
  /** @type {PredictionError | null} */
  #failure = null;
  /** @type {Progress | null} */
  lastProgress = null;

  constructor() {
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker.addEventListener("message", (event) => {
      const message = event.data;
      if (message.type === MessageType.PROGRESS) {
        this.lastProgress = message;
        for (const listener of this.#listeners) listener(message);
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
      this.#fail(new PredictionError(ErrorCode.WORKER_FAILED, `the browser runtime failed: ${event.message ?? "worker error"}`));
    });
  }

  get alive() {
    return this.#worker !== null && this.#failure === null;
  }

  /** @param {(p: Progress) => void} [onProgress] */
  acquire(onProgress) {
    this.#users += 1;
    if (onProgress) {
      this.#listeners.add(onProgress);
      if (this.lastProgress) onProgress(this.lastProgress);
    }
    let released = false;
    return {
      call: (message, timeoutMs) => this.#call(message, timeoutMs),
      release: () => {
        if (released) return;
        released = true;
        if (onProgress) this.#listeners.delete(onProgress);
        this.#users -= 1;
        if (this.#users === 0) this.#terminate();
      },
    };
  }

  /** @param {object} message @param {number} [timeoutMs] */
  #call(message, timeoutMs) {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#worker) return Promise.reject(new PredictionError(ErrorCode.CLOSED, "the predictor was closed"));
    const id = this.#nextId++;
    let timer;
    return new Promise((resolve, reject) => {
      if (timeoutMs) {
        timer = setTimeout(() => reject(new PredictionError(ErrorCode.WORKER_FAILED,
          `the browser runtime did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...message });
    }).finally(() => {
      clearTimeout(timer);
      this.#pending.delete(id);
    });
  }

  /** @param {PredictionError} error */
  #fail(error) {
    this.#failure = error;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
    if (shared === this) shared = null; // the next predictor starts a fresh worker
  }

  #terminate() {
    this.#worker?.terminate();
    this.#worker = null;
    this.#fail(new PredictionError(ErrorCode.CLOSED, "the predictor was closed"));
  }
}

/** @type {WorkerRuntime | null} */
let shared = null;

/**
 * A handle on the page's Pyodide worker (started on first use).
 * @param {(p: Progress) => void} [onProgress]
 * @returns {{call: (message: object, timeoutMs?: number) => Promise<any>, release: () => void}}
 */
export function acquireRuntime(onProgress) {
  if (!shared || !shared.alive) shared = new WorkerRuntime();
  return shared.acquire(onProgress);
}
