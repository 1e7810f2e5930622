// Prediction on the fallback server, through its HTTP API.
import { columnsToRows, fromPlainResult, toJson } from "./columns.js";
import { ErrorCode, PredictionError } from "./errors.js";

export class ServerBackend {
  /**
   * @param {{name: string, version?: string}} model
   * @param {string} serverUrl origin (and optional path) of the fallback server
   */
  constructor(model, serverUrl) {
    this.name = "server";
    this.model = model;
    const base = serverUrl.endsWith("/") ? serverUrl : `${serverUrl}/`;
    const name = encodeURIComponent(model.name);
    const pinned = model.version ? `/versions/${encodeURIComponent(model.version)}` : "";
    this.url = new URL(`api/v1/models/${name}${pinned}/predict`, base).href;
  }

  /**
   * @param {unknown[]} rows
   * @returns {Promise<object>} the server's answer, with backend "server"
   */
  async predict(rows) {
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: toJson({ rows }), // NaN and Infinity as literals: the server names them in its error
      });
    } catch (error) {
      throw new PredictionError(ErrorCode.SERVER_UNREACHABLE,
        `the prediction server at ${this.url} could not be reached (${error.message})`);
    }
    let body;
    try {
      body = await response.json();
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
