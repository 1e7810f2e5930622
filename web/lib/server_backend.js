// Prediction on the fallback server, through its HTTP API.
import { columnsToRows, fromPlainResult, toJson } from "./columns.js";
import { ErrorCode, PredictionError } from "./errors.js";

/** How long a call waits for the server's whole answer unless told otherwise. */
export const DEFAULT_SERVER_TIMEOUT_MS = 10_000;

export class ServerBackend {
  /**
   * @param {{name: string, version?: string}} model
   * @param {string} serverUrl origin (and optional path) of the fallback server
   * @param {{timeoutMs?: number}} [options] `timeoutMs`: give up on a call after this long
   *   (rejects with `server_timeout`)
   */
  constructor(model, serverUrl, { timeoutMs = DEFAULT_SERVER_TIMEOUT_MS } = {}) {
    this.name = "server";
    this.model = model;
    this.timeoutMs = timeoutMs;
    const base = serverUrl.endsWith("/") ? serverUrl : `${serverUrl}/`;
    const pinned = model.version ? `/versions/${segment(model.version, "version")}` : "";
    this.url = new URL(`api/v1/models/${segment(model.name, "model")}${pinned}/predict`, base).href;
  }

  /**
   * @param {unknown[]} rows
   * @returns {Promise<object>} the server's answer, with backend "server"
   */
  async predict(rows) {
    // NaN and Infinity go as literals, which the server names in its error; a BigInt is refused here
    const answer = await this.#post(toJson({ rows }), "application/json", "application/json");
    let body;
    try {
      body = JSON.parse(answer);
    } catch {
      throw new PredictionError(ErrorCode.SERVER_ERROR, "the prediction server answered without a JSON body");
    }
    return { ...body, backend: this.name };
  }

  /**
   * Score a CSV file on the server: every row must be valid (the server answers all or nothing);
   * a file with bad rows rejects with `invalid_input`, each detail naming its line.
   * @param {string | Blob} text the file's text, or the File itself
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<{result: Blob, backend: string}>} the file with its prediction columns
   */
  async scoreCsv(text, { signal } = {}) {
    const result = await this.#post(text, "text/csv", "text/csv", signal);
    return { result: new Blob([result], { type: "text/csv" }), backend: this.name };
  }

  /**
   * POST a body; answer the body text of a 2xx, or reject with the server's own error.
   * @param {string | Blob} body @param {string} type @param {string} accept @param {AbortSignal} [cancel]
   */
  async #post(body, type, accept, cancel) {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
    let response;
    let answer;
    try {
      response = await fetch(this.url, { method: "POST", headers: { "Content-Type": type, Accept: accept }, body, signal });
      answer = await response.text();
    } catch (error) {
      if (cancel?.aborted) throw new PredictionError(ErrorCode.CANCELLED, "cancelled");
      if (timeout.aborted) {
        throw new PredictionError(ErrorCode.SERVER_TIMEOUT,
          `the prediction server did not answer within ${this.timeoutMs / 1000} s`);
      }
      throw new PredictionError(ErrorCode.SERVER_UNREACHABLE,
        `the prediction server at ${this.url} could not be reached (${error.message})`);
    }
    if (response.ok) return answer;
    let error;
    try {
      error = JSON.parse(answer)?.error;
    } catch {
      throw new PredictionError(ErrorCode.SERVER_ERROR,
        `the prediction server answered ${response.status} without a JSON body`);
    }
    if (error?.code) throw PredictionError.from(error);
    throw new PredictionError(ErrorCode.SERVER_ERROR, `the prediction server answered ${response.status}`);
  }

  /**
   * @param {import("./columns.js").Columns} columns
   * @returns {Promise<import("./columns.js").ColumnarResult>}
   */
  async predictColumns(columns) {
    return fromPlainResult(await this.predict(columnsToRows(columns)));
  }

  close() {}
}

/**
 * A model name or version as one URL path segment: encoded, and never "." or "..", which a URL
 * would resolve into another route.
 * @param {string} value @param {string} what
 */
export function segment(value, what) {
  if (typeof value !== "string" || value === "" || value === "." || value === "..") {
    throw new PredictionError(ErrorCode.UNKNOWN_MODEL, `${JSON.stringify(value)} is not a valid ${what} name`);
  }
  return encodeURIComponent(value);
}
