// One error type for every backend: the same code, message and details whether the
// browser runtime or the server answered.

import { ErrorCode } from "./error_codes.js";

// The codes come from the one table (py_pipeline/error_codes.py, written out as error_codes.js).
export { ERROR_CODES, ErrorCode } from "./error_codes.js";

export class PredictionError extends Error {
  /**
   * @param {string} code stable machine-readable code, e.g. "invalid_input"
   * @param {string} message human-readable message naming the row and field
   * @param {object[]} [details] one entry per problem: {row, field, expected, message}
   * @param {number} [total] problems in all, when `details` lists only the first ones
   */
  constructor(code, message, details = [], total = undefined) {
    super(message);
    this.name = "PredictionError";
    this.code = code;
    this.details = details;
    if (total !== undefined) this.total = total;
  }

  /** @param {{code: string, message: string, details?: object[], total?: number}} info */
  static from(info) {
    return new PredictionError(info.code, info.message, info.details ?? [], info.total);
  }
}

/**
 * Any error as the client's own: a PredictionError as it is; what the browser itself threw (an
 * allocation that failed, a batch too large to send to the worker) as `payload_too_large`; anything
 * else as `runtime_error`, its message kept and the original as `cause`.
 * @param {unknown} error
 * @returns {PredictionError}
 */
export function asPredictionError(error) {
  if (error instanceof PredictionError) return error;
  const name = /** @type {any} */ (error)?.name ?? "Error";
  const message = String(/** @type {any} */ (error)?.message ?? error);
  const tooLarge = name === "RangeError" || name === "DataCloneError" || name === "QuotaExceededError";
  const wrapped = tooLarge
    ? new PredictionError(ErrorCode.PAYLOAD_TOO_LARGE,
      `the batch is too large for this browser to hold or send at once (${name}: ${message}); `
      + "send it in chunks with predictBatch")
    : new PredictionError(ErrorCode.RUNTIME_ERROR, `${name}: ${message}`);
  wrapped.cause = error;
  return wrapped;
}

/**
 * Why a file of the site did not come: the words the service worker answered with (a file missing
 * from the offline copy while offline, with its code), else the status.
 * @param {string} path as a message names it @param {Response} response
 * @returns {Promise<Error & {code?: string}>}
 */
export async function notServed(path, response) {
  const said = await response.json().then((body) => body?.error, () => null);
  const error = /** @type {Error & {code?: string}} */ (new Error(said?.message ?? `${path} answered ${response.status}`));
  if (said?.code) error.code = said.code;
  return error;
}
