// One Pyodide worker per page, shared by every browser predictor on it: a page with three
// models boots the Python runtime once, and switching model or version reuses it (the old
// bundle is released, the runtime stays up). The worker stops on `pagehide`, or after
// `idleMs` with no predictor open (configureRuntime).
//
// A worker that dies (closed, crashed, Pyodide's fatal error, or a call it never answers) fails
// every pending call at once with `worker_failed`, and the next call starts a fresh runtime. Death
// is seen through a Web Lock the worker holds for its whole life: the browser releases it when
// the worker ends however it ends, and the page's request for the same lock is then granted.
import { ErrorCode, PredictionError } from "./errors.js";
import { MessageType } from "./protocol.js";

/** @typedef {import("./protocol.js").Progress} Progress */

/** How long a new worker has to say it is alive (its script loaded, its lock held): one that has
 * not by then ended before it could, and waiting longer would only hold up the caller. */
let aliveWithinMs = 10_000;

/** Milliseconds the runtime stays up with no predictor open (5 minutes unless configured). */
let idleMs = 5 * 60_000;

/** Whether the runtime keeps (and restores) a snapshot of Python on this device (snapshot.js). */
let snapshots = true;

/**
 * Page-wide runtime settings.
 * @param {{idleMs?: number, startMs?: number, snapshot?: boolean}} options `idleMs`: how long the
 *   runtime outlives its last predictor (0 stops it at once; Infinity keeps it until the page goes
 *   away); `startMs`: how long a new worker has to say it is alive before it counts as dead (10 s
 *   unless given); `snapshot`: false to keep no snapshot of Python on this device (any kept one is
 *   deleted; every visit starts Python), true unless given. Both apply to runtimes started after.
 */
export function configureRuntime({ idleMs: ms, startMs, snapshot } = {}) {
  if (snapshot !== undefined) {
    if (typeof snapshot !== "boolean") throw new TypeError("configureRuntime: 'snapshot' must be true or false");
    snapshots = snapshot;
  }
  if (ms !== undefined) {
    if (typeof ms !== "number" || !(ms >= 0)) throw new TypeError("configureRuntime: 'idleMs' must be a number >= 0");
    idleMs = ms;
  }
  if (startMs !== undefined) {
    if (typeof startMs !== "number" || !(startMs > 0)) {
      throw new TypeError("configureRuntime: 'startMs' must be a number > 0");
    }
    aliveWithinMs = startMs;
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
    const lock = `py-pipeline-runtime-${crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`}`;
    this.#worker.postMessage({ type: MessageType.START, assets, lock, snapshot: snapshots });
    const silent = setTimeout(() => this.#stop(new PredictionError(ErrorCode.WORKER_FAILED,
      `the browser runtime stopped: its worker did not start within ${aliveWithinMs / 1000} s`)), aliveWithinMs);
    this.#worker.addEventListener("message", (event) => {
      const message = event.data;
      if (message.type === MessageType.ALIVE) {
        clearTimeout(silent);
        // granted once the worker's own hold on the lock ends: the worker is gone
        navigator.locks?.request(lock, () => this.#fail(new PredictionError(ErrorCode.WORKER_FAILED,
          "the browser runtime stopped (its worker ended); the next call starts it again")));
        return;
      }
      if (message.type === MessageType.PROGRESS) {
        if (message.stage !== "snapshot") this.lastProgress = message; // a late listener learns the start's state
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
      this.#stop(new PredictionError(ErrorCode.WORKER_FAILED, `the browser runtime failed: ${event.message ?? "worker error"}`));
    });
    this.#worker.addEventListener("messageerror", () => {
      this.#stop(new PredictionError(ErrorCode.WORKER_FAILED, "the browser runtime sent a message the page cannot read"));
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
    const runtime = this;
    return {
      get alive() {
        return runtime.alive;
      },
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
        // a worker that does not answer is stuck in a call that will not end: stop it, so that
        // neither this caller nor the next one waits on it again
        timer = setTimeout(() => this.#stop(new PredictionError(ErrorCode.WORKER_FAILED,
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
    if (this.#failure) return; // failed once: later reports (the lock, after terminate) change nothing
    this.#failure = error;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
    if (shared === this) shared = null; // the next predictor starts a fresh worker
  }

  /** End the worker and fail every pending call with `error`. @param {PredictionError} error */
  #stop(error) {
    if (this.#failure) return;
    clearTimeout(this.#idleTimer);
    this.#fail(error);
    this.#worker?.terminate();
    this.#worker = null;
  }

  terminate() {
    this.#stop(new PredictionError(ErrorCode.CLOSED, "the predictor was closed"));
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
 * @returns {{alive: boolean, call: (message: object, timeoutMs?: number, transfer?: Transferable[]) => Promise<any>,
 *   release: () => void,
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
