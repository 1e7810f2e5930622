// One error type for every backend: the same code, message and details whether the
// browser runtime or the server answered.

/** Client-side error codes (the backends add invalid_input, unknown_model, ...). */
export const ErrorCode = Object.freeze({
  SERVER_UNREACHABLE: "server_unreachable",
  SERVER_ERROR: "server_error",
  SERVER_TIMEOUT: "server_timeout",
  RUNTIME_UNAVAILABLE: "runtime_unavailable",
  WORKER_FAILED: "worker_failed",
  UNKNOWN_MODEL: "unknown_model",
  CLOSED: "closed",
  INVALID_INPUT: "invalid_input",
  CANCELLED: "cancelled",
});

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
