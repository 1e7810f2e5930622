// Many rows, a chunk at a time, on either backend: progress after each chunk, cancel between chunks.
import { ErrorCode, PredictionError } from "./errors.js";

/**
 * @typedef {{done: number, total: number, rowsPerSecond: number, secondsLeft: number}} BatchProgress
 * @typedef {{predictions: unknown[], probabilities?: number[][], classes?: unknown[], [key: string]: unknown}} PlainResult
 */

export const DEFAULT_CHUNK_ROWS = 5000;

/** The error a cancelled batch rejects with. */
export const cancelled = () => new PredictionError(ErrorCode.CANCELLED, "the batch was cancelled");

/**
 * Predict `rows` a chunk at a time with `predict` (a backend's), answering what one call with all
 * the rows would: the same predictions, and the same error. Each chunk tells `predict` the row it
 * starts at (`firstRow`, from 1), so the backend numbers its problems in the whole batch itself.
 * @param {(rows: unknown[], options: {signal?: AbortSignal, firstRow: number}) => Promise<PlainResult>} predict
 * @param {unknown[]} rows
 * @param {{chunkSize?: number, signal?: AbortSignal,
 *   onProgress?: (p: BatchProgress & {start: number, result: PlainResult}) => void}} [options]
 *   `onProgress` receives each chunk's own result (`start`: its first row) as it arrives
 * @returns {Promise<PlainResult>}
 */
export async function predictInChunks(predict, rows, { chunkSize = DEFAULT_CHUNK_ROWS, signal, onProgress } = {}) {
  if (!Array.isArray(rows) || rows.length === 0) return predict(rows, { signal, firstRow: 1 }); // predict()'s error
  checkChunkSize(chunkSize);
  const clock = progressClock(rows.length);
  /** @type {PlainResult | null} */
  let whole = null;
  for (let start = 0; start < rows.length; start += chunkSize) {
    if (signal?.aborted) throw cancelled();
    const result = await predict(rows.slice(start, start + chunkSize), { signal, firstRow: start + 1 });
    whole = whole ? append(whole, result) : { ...result, predictions: [...result.predictions],
      ...(result.probabilities ? { probabilities: [...result.probabilities] } : {}) };
    onProgress?.({ ...clock(start + result.predictions.length), start, result });
  }
  return /** @type {PlainResult} */ (whole);
}

/** @param {PlainResult} whole @param {PlainResult} part */
function append(whole, part) {
  for (const p of part.predictions) whole.predictions.push(p);
  if (whole.probabilities && part.probabilities) for (const p of part.probabilities) whole.probabilities.push(p);
  return whole;
}

/** @param {unknown} chunkSize */
export function checkChunkSize(chunkSize) {
  if (!Number.isInteger(chunkSize) || /** @type {number} */ (chunkSize) < 1) {
    throw new TypeError(`chunkSize must be a whole number of rows, at least 1, got ${String(chunkSize)}`);
  }
}

/**
 * A progress report maker: rows done so far -> done, total, rows/s and seconds left.
 * @param {number} total
 * @returns {(done: number, total?: number) => BatchProgress}
 */
export function progressClock(total) {
  const started = performance.now();
  return (done, now = total) => {
    const rowsPerSecond = done / ((performance.now() - started) / 1000 || 1e-3);
    const all = Math.max(now, done);
    return { done, total: all, rowsPerSecond, secondsLeft: (all - done) / rowsPerSecond };
  };
}
