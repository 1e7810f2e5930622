// One Pyodide worker per page, shared by every browser predictor on it: a page with three
// models boots the Python runtime once, and switching model or version reuses it (the old
// bundle is released, the runtime stays up). The worker stops on `pagehide`, or after
// `idleMs` with no predictor open (configureRuntime).
import { ErrorCode, PredictionError } from "./errors.js";
import { MessageType } from "./protocol.js";

/** @typedef {import("./protocol.js").Progress} Progress */

/** Milliseconds the runtime stays up with no predictor open (5 minutes unless configured). */
let idleMs = 5 * 60_000;

/**
 * Page-wide runtime settings.
 * @param {{idleMs?: number}} options `idleMs`: how long the runtime outlives its last predictor
 *   (0 stops it at once; Infinity keeps it until the page goes away)
 */
export function configureRuntime({ idleMs: ms } = {}) {
  if (ms !== undefined) {
    if (typeof ms !== "number" || !(ms >= 0)) throw new TypeError("configureRuntime: 'idleMs' must be a number >= 0");
    idleMs = ms;
  }
}

class WorkerRuntime {
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  #pending = new Map();
  /** @type {Set<(p: Progress) => void>} */
  #listeners = new Set();
  #nextId = 1;
  #users = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #idleTimer;
  /** Predictors per loaded bundle ("name@version"): the last to close releases the bundle. */
  #models = new Map();
  /** @type {Worker | null} */
  #worker;
  /** @type {PredictionError | null} */
  #failure = null;
  /** @type {Progress | null} */
  lastProgress = null;

  /** @param {string} assets the assets folder's URL (runtime, wheels, precache manifest) */
  constructor(assets) {
    // A literal `new URL("./worker.js", import.meta.url)`: bundlers (Vite, webpack) recognise it
    // and bundle the worker with its imports.
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker.postMessage({ type: MessageType.START, assets });
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
    clearTimeout(this.#idleTimer);
    if (onProgress) {
      this.#listeners.add(onProgress);
      if (this.lastProgress) onProgress(this.lastProgress);
    }
    let released = false;
    return {
      call: (message, timeoutMs, transfer) => this.#call(message, timeoutMs, transfer),
      release: () => {
        if (released) return;
        released = true;
        if (onProgress) this.#listeners.delete(onProgress);
        this.#users -= 1;
        if (this.#users === 0 && idleMs !== Infinity) {
          this.#idleTimer = setTimeout(() => this.terminate(), idleMs);
        }
      },
      retainModel: (model) => this.#retain(model),
      releaseModel: (model) => this.#releaseModel(model),
    };
  }

  /** @param {{name: string, version: string}} model */
  #retain(model) {
    const key = `${model.name}@${model.version}`;
    this.#models.set(key, (this.#models.get(key) ?? 0) + 1);
  }

  /** @param {{name: string, version: string}} model */
  #releaseModel(model) {
    const key = `${model.name}@${model.version}`;
    const left = (this.#models.get(key) ?? 1) - 1;
    if (left > 0) {
      this.#models.set(key, left);
      return;
    }
    this.#models.delete(key);
    if (this.alive) {
      this.#call({ type: MessageType.UNLOAD_MODEL, model: { name: model.name, version: model.version } })
        .catch(() => {}); // nothing to do if the runtime is going away
    }
  }

  /** @param {object} message @param {number} [timeoutMs] @param {Transferable[]} [transfer] */
  #call(message, timeoutMs, transfer = []) {
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
      this.#worker.postMessage({ id, ...message }, transfer);
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

  terminate() {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = null;
    this.#fail(new PredictionError(ErrorCode.CLOSED, "the predictor was closed"));
  }
}

/** @type {WorkerRuntime | null} */
let shared = null;
let starts = 0;

/** How many times this page has started the Python runtime. */
export function runtimeStarts() {
  return starts;
}

// Leaving the page stops the runtime at once; it never outlives the page.
globalThis.addEventListener?.("pagehide", () => shared?.terminate());

/**
 * A handle on the page's Pyodide worker (started on first use, from the assets at `assets`; the
 * page's one runtime keeps the assets it started with).
 * @param {string} assets
 * @param {(p: Progress) => void} [onProgress]
 * @returns {{call: (message: object, timeoutMs?: number, transfer?: Transferable[]) => Promise<any>, release: () => void,
 *   retainModel: (model: {name: string, version: string}) => void,
 *   releaseModel: (model: {name: string, version: string}) => void}}
 */
export function acquireRuntime(assets, onProgress) {
  if (!shared || !shared.alive) {
    shared = new WorkerRuntime(assets);
    starts += 1;
  }
  return shared.acquire(onProgress);
}
