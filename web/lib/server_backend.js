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
    const request = toJson({ rows });
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response;
    let answer;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: request,
        signal,
      });
      answer = await response.text();
    } catch (error) {
      if (signal.aborted) {
        throw new PredictionError(ErrorCode.SERVER_TIMEOUT,
          `the prediction server did not answer within ${this.timeoutMs / 1000} s`);
      }
      throw new PredictionError(ErrorCode.SERVER_UNREACHABLE,
        `the prediction server at ${this.url} could not be reached (${error.message})`);
    }
    let body;
    try {
      body = JSON.parse(answer);
    } catch {
      throw new PredictionError(ErrorCode.SERVER_ERROR,
        `the prediction server answered ${response.status} without a JSON body`);
    }
    if (!response.ok) {
      if (body?.error?.code) throw PredictionError.from(body.error);
      throw new PredictionError(ErrorCode.SERVER_ERROR, `the prediction server answered ${response.status}`);
    }
    return { ...body, backend: this.name };
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
