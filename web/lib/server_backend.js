// Prediction on the fallback server, through its HTTP API.
import { DEFAULT_CHUNK_ROWS, cancelled, checkChunkSize, progressClock } from "./batch.js";
import { columnsToRows, fromPlainResult, toJson } from "./columns.js";
import { csvPieces } from "./csv_chunks.js";
import { ErrorCode, PredictionError } from "./errors.js";
import { fileSummary, toExplanation } from "./explanation.js";
import { segment } from "./names.js";
import { addCounts } from "./telemetry.js";

/** @typedef {import("./backend.js").PredictOptions} PredictOptions */

/** Rows of a CSV piece the server explains at once (its MAX_EXPLAIN_ROWS is 1,000 by default). */
const EXPLAIN_PIECE_ROWS = 500;

/** How long a call waits for the server's whole answer unless told otherwise. */
export const DEFAULT_SERVER_TIMEOUT_MS = 10_000;

/** @typedef {import("./backend.js").Backend} Backend */

/** @implements {Backend} */
export class ServerBackend {
  /**
   * @param {{name: string, version?: string}} model
   * @param {string} serverUrl origin (and optional path) of the fallback server
   * @param {{timeoutMs?: number}} [options] `timeoutMs`: give up on a call after this long
   *   (rejects with `server_timeout`)
   */
  constructor(model, serverUrl, { timeoutMs = DEFAULT_SERVER_TIMEOUT_MS } = {}) {
    /** @type {"server"} */
    this.name = "server";
    this.model = model;
    this.timeoutMs = timeoutMs;
    const base = serverUrl.endsWith("/") ? serverUrl : `${serverUrl}/`;
    const pinned = model.version ? `/versions/${segment(model.version, "version")}` : "";
    this.url = new URL(`api/v1/models/${segment(model.name, "model")}${pinned}/predict`, base).href;
    this.explainUrl = new URL(`api/v1/models/${segment(model.name, "model")}${pinned}/explain`, base).href;
    this.base = base;
  }

  /**
   * @param {unknown[]} rows
   * @param {PredictOptions} [options]
   * @returns {Promise<any>} the server's answer, with backend "server"
   */
  async predict(rows, { signal, firstRow = 1 } = {}) {
    return { ...await this.#postRows(this.url, rows, firstRow, signal), backend: this.name };
  }

  /**
   * Why each row's answer, from the server's /explain (at most its MAX_EXPLAIN_ROWS rows a call).
   * @param {unknown[]} rows
   * @param {PredictOptions} [options]
   * @returns {Promise<import("./explanation.js").Explanation>}
   */
  async explain(rows, { signal, firstRow = 1 } = {}) {
    return toExplanation(await this.#postRows(this.explainUrl, rows, firstRow, signal), this.name);
  }

  /** @param {string} url @param {unknown[]} rows @param {number} firstRow @param {AbortSignal} [signal] */
  async #postRows(url, rows, firstRow, signal) {
    // NaN and Infinity go as literals, which the server names in its error; a BigInt is refused here
    const request = toJson(firstRow === 1 ? { rows } : { rows, first_row: firstRow });
    const answer = await this.#post(url, request, "application/json", "application/json", signal);
    try {
      return JSON.parse(answer);
    } catch {
      throw new PredictionError(ErrorCode.SERVER_ERROR, "the prediction server answered without a JSON body");
    }
  }

  /**
   * Score a CSV file on the server, a request per piece of `chunkSize` rows (the server caps the
   * rows of one request). The file is sent in slices cut at record ends (`Blob.slice`), never
   * read into one string; each piece is scored partially (`?partial=true`): its valid rows are
   * scored and every other one is listed with its row and line in the whole file, as in the
   * browser. `signal` cancels between pieces.
   * @param {string | Blob} text the file's text, or the File itself
   * @param {import("./backend.js").ScoreOptions} [options] `explain`: each row's explanation too,
   *   in pieces of at most 500 rows; `drift`: each piece answers its rows' bin counts, and the
   *   server writes the report of their sum (`drift/report`)
   * @returns {Promise<import("./backend.js").ScoredFile>}
   */
  async scoreCsv(text, { chunkSize = DEFAULT_CHUNK_ROWS, signal, onProgress, explain = false, drift = false } = {}) {
    checkChunkSize(chunkSize);
    // an explained piece costs tens of predictions: the server takes at most MAX_EXPLAIN_ROWS (1,000 by default)
    if (explain) chunkSize = Math.min(chunkSize, EXPLAIN_PIECE_ROWS);
    /** @type {Record<string, number>} */
    const sums = {};
    const file = typeof text === "string" ? new Blob([text]) : text;
    const clock = progressClock(0);
    /** @type {BlobPart[]} */
    const result = [];
    /** @type {BlobPart[]} */
    const errors = [];
    /** @type {any[]} */
    const problems = [];
    /** @type {unknown[][]} */
    let preview = [];
    /** @type {Record<string, string>} */
    let columns = {};
    let total = 0;
    let scored = 0;
    let invalidRows = 0;
    /** @type {import("./telemetry.js").TelemetryReport | null} the pieces' bin counts, summed */
    let counts = null;
    /** @type {{name: string, version: string} | null} */
    let model = null;
    for await (const piece of csvPieces(file, chunkSize)) {
      if (signal?.aborted) throw cancelled();
      const where = new URL(this.url);
      where.search = new URLSearchParams({ partial: "true", first_row: String(piece.rowsBefore + 1),
                                           first_line: String(piece.firstLine),
                                           ...(explain ? { explain: "true" } : {}),
                                           ...(drift ? { drift: "true" } : {}) }).toString();
      const answer = JSON.parse(await this.#post(where.href, piece.body, "text/csv", "application/json", signal));
      if (!result.length) {
        result.push(answer.result.header);
        errors.push(answer.errors.header);
        columns = answer.columns;
        preview = answer.preview.slice(0, 1); // the header
      }
      // as Blobs at once: the browser keeps them out of the page's heap, so a large file's result
      // is never held there as text
      result.push(new Blob([answer.result.rows]));
      errors.push(new Blob([answer.errors.rows]));
      for (const p of answer.problems) problems.push(p);
      if (answer.drift) counts = addCounts(counts, answer.drift);
      model = answer.model;
      for (const [line, total] of Object.entries(answer.contribution_sums ?? {})) sums[line] = (sums[line] ?? 0) + total;
      preview.push(...answer.preview.slice(1, 11 - preview.length));
      total += answer.rows;
      scored += answer.scored;
      invalidRows += answer.invalid_rows;
      const estimate = Math.round(total * (file.size / piece.end));
      onProgress?.({ ...clock(total, estimate), scored, invalidRows });
    }
    if (!result.length) await this.#post(this.url, file, "text/csv", "text/csv", signal); // no rows: the server says why
    const report = counts && model && await this.#post(new URL(`api/v1/models/${segment(model.name, "model")}/versions/`
      + `${segment(model.version, "version")}/drift/report`, this.base).href, JSON.stringify(counts), "application/json",
    "text/html", signal);
    return { columns, total, scored, invalidRows, result: new Blob(result, { type: "text/csv" }),
             errors: new Blob(errors, { type: "text/csv" }), problems, preview, backend: this.name,
             ...(explain ? { explanationSummary: fileSummary(sums, scored) } : {}),
             ...(report ? { driftReport: new Blob([report], { type: "text/html" }) } : {}) };
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
