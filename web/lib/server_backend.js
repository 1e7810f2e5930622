// Prediction on the fallback server, through its HTTP API.
import { DEFAULT_CHUNK_ROWS, cancelled, checkChunkSize, progressClock } from "./batch.js";
import { columnsToRows, fromPlainResult, toJson } from "./columns.js";
import { csvChunks, recordEnd } from "./csv_chunks.js";
import { ErrorCode, PredictionError } from "./errors.js";
import { checkName } from "./names.js";

/**
 * @typedef {{signal?: AbortSignal, firstRow?: number}} PredictOptions `signal` cancels the call;
 *   `firstRow` (from 1) is the row number of the first row sent, when they are a chunk of a larger
 *   batch: the backend names each problem's row in the whole batch.
 */

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
   * @param {PredictOptions} [options]
   * @returns {Promise<any>} the server's answer, with backend "server"
   */
  async predict(rows, { signal, firstRow = 1 } = {}) {
    // NaN and Infinity go as literals, which the server names in its error; a BigInt is refused here
    const request = toJson(firstRow === 1 ? { rows } : { rows, first_row: firstRow });
    const answer = await this.#post(this.url, request, "application/json", "application/json", signal);
    let body;
    try {
      body = JSON.parse(answer);
    } catch {
      throw new PredictionError(ErrorCode.SERVER_ERROR, "the prediction server answered without a JSON body");
    }
    return { ...body, backend: this.name };
  }

  /**
   * Score a CSV file on the server, a request per chunk of rows (the server caps the rows of one
   * request), each row in it valid: the server answers all or nothing, so a chunk with bad rows
   * rejects with `invalid_input`. Each request says where its chunk starts in the file, so the
   * server names each problem's row and line in the whole file.
   * @param {string | Blob} text the file's text, or the File itself
   * @param {{chunkSize?: number, signal?: AbortSignal,
   *   onProgress?: (p: import("./batch.js").BatchProgress & {scored: number, invalidRows: number}) => void}} [options]
   * @returns {Promise<{result: Blob, total: number, scored: number, invalidRows: number, backend: string}>}
   *   the file with its prediction columns
   */
  async scoreCsv(text, { chunkSize = DEFAULT_CHUNK_ROWS, signal, onProgress } = {}) {
    checkChunkSize(chunkSize);
    const whole = typeof text === "string" ? text : await text.text();
    const clock = progressClock(0);
    /** @type {Blob[]} */
    const parts = [];
    let done = 0;
    for (const chunk of csvChunks(whole, chunkSize)) {
      if (signal?.aborted) throw cancelled();
      const where = new URL(this.url);
      where.searchParams.set("first_row", String(chunk.rowsBefore + 1));
      where.searchParams.set("first_line", String(chunk.firstLine));
      const answer = await this.#post(where.href, chunk.text, "text/csv", "text/csv", signal);
      // each answer repeats the result file's header: keep the first one only
      parts.push(new Blob([parts.length ? answer.slice(recordEnd(answer, 0)[0]) : answer]));
      done += chunk.rows;
      const estimate = Math.round(done * (whole.length / chunk.end));
      onProgress?.({ ...clock(done, estimate), scored: done, invalidRows: 0 });
    }
    if (!parts.length) await this.#post(this.url, whole, "text/csv", "text/csv", signal); // no rows: the server says why
    return { result: new Blob(parts, { type: "text/csv" }), total: done, scored: done, invalidRows: 0,
             backend: this.name };
  }

  /**
   * POST a body to `url`; answer the body text of a 2xx, or reject with the server's own error.
   * @param {string} url @param {string | Blob} body @param {string} type @param {string} accept
   * @param {AbortSignal} [cancel]
   */
  async #post(url, body, type, accept, cancel) {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
    let response;
    let answer;
    try {
      response = await fetch(url, { method: "POST", headers: { "Content-Type": type, Accept: accept }, body, signal });
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
 * A model name or version as one URL path segment: checked by the one naming rule (names.js), so
 * never "." or "..", which a URL would resolve into another route, and encoded all the same.
 * @param {string} value @param {string} what
 */
export function segment(value, what) {
  return encodeURIComponent(checkName(value, what));
}
