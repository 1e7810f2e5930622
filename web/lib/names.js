// @ts-check
// The one rule for model names and versions (py_pipeline/names.py holds the same pattern): each
// is a folder on the server and one URL path segment, so never empty, "." or "..", no separator.
import { ErrorCode, PredictionError } from "./errors.js";

/** 1 to 64 letters, digits, ".", "_", "-" or "+", starting and ending with a letter or digit. */
export const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?$/;
/** Device names Windows reserves (with or without an extension). */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const EXPECTED = "1 to 64 letters, digits, '.', '_', '-' or '+', starting and ending with a letter or digit, "
  + "and not a device name such as 'con' or 'nul'";

/**
 * Whether `value` is a valid model name or version.
 * @param {unknown} value
 */
export function isValidName(value) {
  return typeof value === "string" && NAME_PATTERN.test(value) && !RESERVED.test(value.split(".")[0]);
}

/**
 * `value` itself when it is a valid model name or version; else a PredictionError naming `field`.
 * @param {unknown} value @param {string} field "model" or "version"
 * @returns {string}
 */
export function checkName(value, field) {
  if (!isValidName(value)) {
    throw new PredictionError(ErrorCode.INVALID_INPUT, `${field}: expected ${EXPECTED}, got ${JSON.stringify(value)}`,
      [{ field, expected: EXPECTED }]);
  }
  return /** @type {string} */ (value);
}

/**
 * A model name or version as one URL path segment: checked by the one naming rule above, so
 * never "." or "..", which a URL would resolve into another route, and encoded all the same.
 * @param {string} value @param {string} what
 */
export function segment(value, what) {
  return encodeURIComponent(checkName(value, what));
}
