// Drift telemetry, opt in: a page may send the fallback server the per-bin counts of what it
// predicted in this browser, so the server sees drift it could not see otherwise. Nothing is sent
// unless the page asks (`createPredictor({telemetry: {url, everyRows}})`).
//
// What is sent (py_pipeline/drift/telemetry.py makes it in the worker): the format, the sha256 of
// the model's reference profile, a row count, and per feature (and for the predictions) how many of
// those rows fell in each of the profile's bins; `dropped_rows` when a full queue dropped counts.
// Never a row, a feature value, a label or a time. A report counts at least `everyRows` rows.
//
// Reports that cannot be sent (offline, server down) wait in a queue in localStorage, shared by the
// origin's tabs (one Web Lock per endpoint orders them), and go when the browser is back online.
import { segment } from "./names.js";

/** A report counts at least this many rows (the server refuses fewer). */
export const MIN_EVERY_ROWS = 20;
export const DEFAULT_EVERY_ROWS = 100;
/** The most rows one report counts (the server's TELEMETRY_MAX_ROWS unless its operator lowered it). */
export const MAX_REPORT_ROWS = 10_000;
/** Reports kept unsent (waiting reports merge while they stay under MAX_REPORT_ROWS, so up to
 * 200,000 rows); past it the oldest report is dropped, and its row count is sent as `dropped_rows`. */
export const MAX_QUEUED = 20;
const SEND_TIMEOUT_MS = 10_000;
const RETRY_MS = [5_000, 30_000, 120_000, 300_000];

/**
 * @typedef {{url?: string | URL, everyRows?: number}} TelemetryOption
 *   `url`: the fallback server's address (default: the page's origin); reports go to its
 *   `api/v1/models/<name>/versions/<version>/telemetry`. `everyRows`: rows counted per report
 *   (100 unless given; at least 20).
 * @typedef {{format: string, profile: string, rows: number, counts: Record<string, number[]>,
 *   dropped_rows?: number}} TelemetryReport
 * @typedef {{endpoint: string, everyRows: number, queuedReports: number, queuedRows: number,
 *   sentReports: number, sentRows: number, droppedRows: number, refusedReports: number,
 *   lastError: string | null, unavailable: string | null}} TelemetryStatus
 */

/**
 * Check the `telemetry` option: null when it is off, else the server's address and the rows per report.
 * @param {TelemetryOption | undefined | null | false} option @param {string | undefined} serverUrl
 * @returns {{server: string, everyRows: number} | null}
 */
export function telemetryTarget(option, serverUrl) {
  if (option === undefined || option === null || option === false) return null;
  if (typeof option !== "object") {
    throw new TypeError("createPredictor: 'telemetry' must be an object {url, everyRows} (or left out: nothing is sent)");
  }
  const everyRows = option.everyRows ?? DEFAULT_EVERY_ROWS;
  if (!Number.isInteger(everyRows) || everyRows < MIN_EVERY_ROWS || everyRows > MAX_REPORT_ROWS) {
    throw new TypeError(`createPredictor: 'telemetry.everyRows' must be a whole number from ${MIN_EVERY_ROWS} `
      + `to ${MAX_REPORT_ROWS}, got ${JSON.stringify(everyRows)}`);
  }
  const base = String(option.url ?? serverUrl ?? globalThis.location?.origin ?? "");
  try {
    return { server: new URL(base.endsWith("/") ? base : `${base}/`, globalThis.location?.href).href, everyRows };
  } catch {
    throw new TypeError(`createPredictor: 'telemetry.url' must be the server's address, got ${JSON.stringify(base)}`);
  }
}

/**
 * Where a model version's reports go.
 * @param {{server: string}} target @param {{name: string, version: string}} model
 */
export function telemetryEndpoint(target, model) {
  return new URL(`api/v1/models/${segment(model.name, "model")}/versions/${segment(model.version, "version")}/telemetry`,
    target.server).href;
}

/** Sends reports to one endpoint, queuing what cannot be sent yet. */
export class TelemetryQueue {
  #endpoint;
  #storage;
  #fetch;
  #key;
  /** @type {ReturnType<typeof setTimeout> | null} */
  #retry = null;
  #failures = 0;
  #chain = Promise.resolve();
  #closed = false;
  #online = () => { this.flush(); };
  /** @type {TelemetryStatus} */
  #status;

  /**
   * @param {{server: string, everyRows: number}} target (telemetryTarget) @param {{name: string, version: string}} model
   * @param {{storage?: Storage | null, fetch?: typeof fetch}} [options] (tests pass their own)
   */
  constructor(target, model, { storage = defaultStorage(), fetch: fetchImpl = globalThis.fetch.bind(globalThis) } = {}) {
    this.#endpoint = telemetryEndpoint(target, model);
    this.#storage = storage;
    this.#fetch = fetchImpl;
    this.#key = `py-pipeline-telemetry ${this.#endpoint}`;
    this.#status = { endpoint: this.#endpoint, everyRows: target.everyRows, queuedReports: 0, queuedRows: 0,
      sentReports: 0, sentRows: 0, droppedRows: 0, refusedReports: 0, lastError: null, unavailable: null };
    globalThis.addEventListener?.("online", this.#online);
    this.flush(); // what an earlier visit could not send
  }

  /** @returns {TelemetryStatus} */
  get status() {
    const { reports } = this.#read();
    return { ...this.#status, queuedReports: reports.length, queuedRows: reports.reduce((n, r) => n + r.rows, 0) };
  }

  /**
   * What the worker answered beside a prediction: a report to send, or why counting is unavailable.
   * @param {TelemetryReport | {unavailable: string}} answer
   */
  take(answer) {
    if ("unavailable" in answer) {
      this.#status.unavailable = answer.unavailable;
      return Promise.resolve();
    }
    return this.#locked(() => {
      const queue = this.#read();
      const last = queue.reports[queue.reports.length - 1];
      if (last && last.profile === answer.profile && last.rows + answer.rows <= MAX_REPORT_ROWS) {
        queue.reports[queue.reports.length - 1] = addCounts(last, answer); // waiting reports merge
      } else {
        queue.reports.push({ format: answer.format, profile: answer.profile, rows: answer.rows, counts: answer.counts });
      }
      while (queue.reports.length > MAX_QUEUED) queue.dropped += /** @type {TelemetryReport} */ (queue.reports.shift()).rows;
      this.#status.droppedRows = queue.dropped;
      this.#write(queue);
    }).then(() => this.flush());
  }

  /** Send every waiting report, oldest first; stop at the first that cannot go now (it is tried again later). */
  flush() {
    if (this.#closed || globalThis.navigator?.onLine === false) return Promise.resolve();
    return this.#locked(async () => {
      for (;;) {
        const queue = this.#read();
        const report = queue.reports[0];
        if (!report || this.#closed) return;
        const body = JSON.stringify(queue.dropped ? { ...report, dropped_rows: queue.dropped } : report);
        const outcome = await this.#send(body);
        if (outcome === "retry") {
          this.#retryLater();
          return;
        }
        const after = this.#read(); // re-read: nothing else changes the queue while the lock is held
        after.reports.shift();
        if (outcome === "sent") {
          after.dropped = 0;
          this.#status.sentReports += 1;
          this.#status.sentRows += report.rows;
        } else {
          this.#status.refusedReports += 1; // refused: sending it again would not change the answer
        }
        this.#write(after);
        this.#failures = 0;
      }
    });
  }

  /** Stop sending (the predictor is closed); waiting reports stay queued for a later visit. */
  close() {
    this.#closed = true;
    globalThis.removeEventListener?.("online", this.#online);
    if (this.#retry) clearTimeout(this.#retry);
  }

  /**
   * @param {string} body
   * @returns {Promise<"sent" | "refused" | "retry">}
   */
  async #send(body) {
    try {
      const response = await this.#fetch(this.#endpoint, {
        method: "POST", body, headers: { "Content-Type": "application/json" },
        credentials: "omit", referrerPolicy: "no-referrer", keepalive: body.length < 60_000,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      if (response.ok) return "sent";
      const error = await response.json().then((b) => b?.error?.message, () => null);
      this.#status.lastError = `${response.status}: ${error ?? response.statusText}`;
      return response.status >= 500 || response.status === 408 || response.status === 429 ? "retry" : "refused";
    } catch (error) {
      this.#status.lastError = `not sent: ${/** @type {Error} */ (error)?.message ?? error}`;
      return "retry";
    }
  }

  #retryLater() {
    if (this.#retry || this.#closed) return;
    const wait = RETRY_MS[Math.min(this.#failures, RETRY_MS.length - 1)];
    this.#failures += 1;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.flush();
    }, wait);
  }

  /**
   * Run `fn` holding the endpoint's lock: the origin's tabs share the queue, and each report is
   * sent once.
   * @param {() => unknown} fn @returns {Promise<void>}
   */
  #locked(fn) {
    /** @type {() => Promise<void>} */
    const run = globalThis.navigator?.locks
      ? async () => { await navigator.locks.request(this.#key, async () => { await fn(); }); }
      : async () => { await fn(); };
    const next = this.#chain.then(run, run);
    this.#chain = next.catch(() => {});
    return next;
  }

  /** @returns {{reports: TelemetryReport[], dropped: number}} */
  #read() {
    if (this.#memory) return this.#memory;
    try {
      const stored = JSON.parse(this.#storage?.getItem(this.#key) ?? "null");
      if (stored && Array.isArray(stored.reports)) return { reports: stored.reports, dropped: stored.dropped | 0 };
    } catch {
      // unreadable (another build's format, storage turned off): start afresh
    }
    return { reports: [], dropped: 0 };
  }

  /** @type {{reports: TelemetryReport[], dropped: number} | null} where the queue lives without storage */
  #memory = null;

  /** @param {{reports: TelemetryReport[], dropped: number}} queue */
  #write(queue) {
    try {
      if (!this.#storage) throw new Error("no storage");
      if (queue.reports.length || queue.dropped) this.#storage.setItem(this.#key, JSON.stringify(queue));
      else this.#storage.removeItem(this.#key);
      this.#memory = null;
    } catch {
      this.#memory = queue; // storage full or refused: this page keeps the queue in memory
    }
  }
}

/** The page's localStorage, or null where it is unavailable (a worker, storage blocked). */
function defaultStorage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * Two reports of bin counts added up, bin by bin (the first may be null).
 * @param {import("./telemetry.js").TelemetryReport | null} sum @param {import("./telemetry.js").TelemetryReport} add
 * @returns {import("./telemetry.js").TelemetryReport}
 */
export function addCounts(sum, add) {
  if (!sum) return { ...add, counts: { ...add.counts } };
  const counts = Object.fromEntries(Object.entries(sum.counts).map(([line, c]) => [line, c.map((n, i) => n + (add.counts[line]?.[i] ?? 0))]));
  return { ...sum, rows: sum.rows + add.rows, counts };
}
