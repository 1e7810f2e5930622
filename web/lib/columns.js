// Rows to typed-array columns and back: the data path between the page, the worker and Python.
//
// A batch crosses to the worker as two transferred buffers (numbers as one Float64Array block
// per number feature, categories as one Int32Array block of codes per category feature, with
// each feature's distinct values) plus a small JSON side-table of whatever is not a plain value
// (a string where a number belongs, an absent or unknown key, a row of the wrong shape).
// Python reads the blocks as numpy arrays and validates them without a loop over rows; the
// side-table lets it rebuild an invalid row exactly as sent, so every error is the one the
// server gives for the same rows as JSON. The format is documented in py_pipeline/columns.py.
import { PredictionError } from "./errors.js";

/**
 * @typedef {{name: string, type: "number" | "integer" | "category", missing?: boolean}} FeatureSpec
 * @typedef {{rows: number, meta: string, numbers: Float64Array, codes: Int32Array, out?: Float64Array}} ColumnBatch
 *   `out` is where the worker writes the answer: `rows * (1 + classes)` values (see TypedAnswer).
 * @typedef {{[feature: string]: ArrayLike<unknown>}} Columns
 *   One array per feature, all of one length: Float64Array (or any typed array) or a plain array.
 * @typedef {{model: {name: string, version: string}, classes?: unknown[], probabilities?: boolean,
 *   out: Float64Array}} TypedAnswer
 *   What the worker sends back: in `out`, each row's class index (classifiers) or value, then
 *   (when `probabilities` is true) the probabilities, row-major.
 * @typedef {{model: {name: string, version: string}, classes?: unknown[], predictions: unknown[] | Float64Array,
 *   classIndex?: Int32Array, probabilities?: Float64Array, backend?: string}} ColumnarResult
 *   The result of predictColumns: labels (and each label's index in `classes`) or a Float64Array
 *   of values; probabilities row-major, `classes.length` per row.
 */

/**
 * Rows (arrays in schema order, or objects keyed by feature name) as a column batch; null for
 * input the JSON path should take as it is (not an array, empty, or arrays mixed with objects).
 * @param {unknown} rows @param {FeatureSpec[]} features
 * @returns {ColumnBatch | null}
 */
export function encodeRows(rows, features) {
  if (!Array.isArray(rows) || rows.length === 0) return null;
  let kind = null;
  for (const row of rows) {
    const k = Array.isArray(row) ? "arrays" : isPlainObject(row) ? "objects" : null;
    if (k && kind && k !== kind) return null;
    kind = k ?? kind;
  }
  const encoder = new Encoder(features, rows.length, kind ?? "arrays");
  rows.forEach((row, i) => encoder.row(i, row));
  return encoder.finish();
}

/**
 * Columns keyed by feature name as a column batch. A missing column is reported as a missing
 * field on every row, an unknown one as an unknown field, as for the same rows as objects.
 * @param {Columns} columns @param {FeatureSpec[]} features
 * @returns {ColumnBatch}
 */
export function encodeColumns(columns, features) {
  const n = columnLength(columns);
  const encoder = new Encoder(features, n, "columns");
  const known = new Set(features.map((f) => f.name));
  features.forEach((f, j) => encoder.column(j, columns[f.name]));
  for (const name of Object.keys(columns)) {
    if (!known.has(name)) for (let i = 0; i < n; i++) encoder.extra.push([i, name]);
  }
  return encoder.finish();
}

/**
 * Rows of objects from columns (for the server, which takes JSON rows).
 * @param {Columns} columns
 * @returns {object[]}
 */
export function columnsToRows(columns) {
  const n = columnLength(columns);
  const names = Object.keys(columns);
  const rows = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = {};
    for (const name of names) row[name] = columns[name][i];
    rows[i] = row;
  }
  return rows;
}

/** @param {Columns} columns @returns {number} */
function columnLength(columns) {
  if (!isPlainObject(columns)) {
    throw new PredictionError("invalid_input", "columns must be an object of arrays keyed by feature name",
      [{ row: null, field: "columns", expected: "an object of arrays keyed by feature name" }]);
  }
  let n = null;
  for (const [name, column] of Object.entries(columns)) {
    const length = column?.length;
    if (typeof length !== "number" || typeof column === "string") {
      throw new PredictionError("invalid_input", `column '${name}' is not an array`,
        [{ row: null, field: name, expected: "an array or typed array" }]);
    }
    if (n !== null && length !== n) {
      throw new PredictionError("invalid_input", `column '${name}' has ${length} values, the others ${n}`,
        [{ row: null, field: name, expected: `${n} values` }]);
    }
    n = length;
  }
  return n ?? 0;
}

class Encoder {
  /** @param {FeatureSpec[]} features @param {number} n @param {string} kind */
  constructor(features, n, kind) {
    this.features = features;
    this.n = n;
    this.kind = kind;
    this.index = new Map(features.map((f, j) => [f.name, j]));
    let numbers = 0;
    let categories = 0;
    /** Each feature's block and its index in that block. */
    this.slots = features.map((f) => (f.type === "category" ? { category: true, k: categories++ } : { category: false, k: numbers++ }));
    this.numbers = new Float64Array(numbers * n);
    this.codes = new Int32Array(categories * n).fill(-1);
    /** @type {Map<unknown, number>[]} distinct values per category feature, in order of first use */
    this.dictionaries = Array.from({ length: categories }, () => new Map());
    this.odd = [];
    this.absent = [];
    this.extra = [];
    this.length = [];
    this.other = [];
  }

  /** @param {number} i @param {unknown} row */
  row(i, row) {
    if (Array.isArray(row)) {
      if (row.length !== this.features.length) this.length.push([i, row.length]);
      else for (let j = 0; j < row.length; j++) this.set(i, j, row[j] === undefined ? null : row[j]); // as JSON
    } else if (isPlainObject(row)) {
      let present = 0;
      this.features.forEach((f, j) => {
        const value = Object.hasOwn(row, f.name) ? row[f.name] : undefined;
        if (value === undefined) this.absent.push([i, j]); // JSON drops an undefined key
        else {
          present += 1;
          this.set(i, j, value);
        }
      });
      const keys = Object.keys(row);
      if (keys.length !== present) {
        for (const key of keys) if (!this.index.has(key) && row[key] !== undefined) this.extra.push([i, key]);
      }
    } else {
      this.other.push([i, row === undefined ? null : row]);
    }
  }

  /** @param {number} j @param {ArrayLike<unknown> | undefined} column */
  column(j, column) {
    const slot = this.slots[j];
    if (column === undefined) {
      for (let i = 0; i < this.n; i++) this.absent.push([i, j]);
    } else if (!slot.category && ArrayBuffer.isView(column) && !(column instanceof DataView)) {
      this.numbers.set(/** @type {any} */ (column), slot.k * this.n); // a typed array: one copy
    } else {
      for (let i = 0; i < this.n; i++) this.set(i, j, column[i] === undefined ? null : column[i]);
    }
  }

  /** @param {number} i @param {number} j @param {unknown} value */
  set(i, j, value) {
    const slot = this.slots[j];
    if (slot.category) {
      const dictionary = this.dictionaries[slot.k];
      let code = dictionary.get(value);
      if (code === undefined) dictionary.set(value, (code = dictionary.size));
      this.codes[slot.k * this.n + i] = code;
    } else if (typeof value === "number") {
      this.numbers[slot.k * this.n + i] = value;
    } else {
      this.numbers[slot.k * this.n + i] = NaN;
      // null is NaN where the feature may be missing; any other value goes as sent
      if (!(value === null && this.features[j].missing)) this.odd.push([i, j, value]);
    }
  }

  /** @returns {ColumnBatch} */
  finish() {
    const meta = {
      rows: this.n, kind: this.kind, values: this.dictionaries.map((d) => [...d.keys()]),
      odd: this.odd, absent: this.absent, extra: this.extra, length: this.length, other: this.other,
    };
    return { rows: this.n, meta: toJson(meta), numbers: this.numbers, codes: this.codes };
  }
}

/**
 * JSON that keeps non-finite numbers: NaN, Infinity and -Infinity are written as those literals
 * (which Python's json and the server read), never as null, so an error says "got NaN". A BigInt
 * (which JSON cannot carry) is refused with an invalid_input error naming it.
 * @param {unknown} value
 * @returns {string}
 */
export function toJson(value) {
  const tag = `~nonfinite-${Math.random().toString(36).slice(2)}~`;
  let found = false;
  const text = JSON.stringify(value, (key, v) => {
    if (typeof v === "bigint") {
      throw new PredictionError("invalid_input", `got a BigInt (${v}n) for '${key}': send numbers as Number`,
        [{ row: null, field: key, expected: "a number (a JavaScript Number, not a BigInt)" }]);
    }
    if (typeof v !== "number" || Number.isFinite(v)) return v;
    found = true;
    return tag + String(v);
  });
  return found ? text.replaceAll(new RegExp(`"${tag}(NaN|Infinity|-Infinity)"`, "g"), "$1") : text;
}

/**
 * The worker's typed answer as predictColumns returns it: labels (and their class indices) for a
 * classifier, values for a regressor; views on the one transferred buffer.
 * @param {TypedAnswer} answer @param {number} rows
 * @returns {ColumnarResult}
 */
export function columnarResult(answer, rows) {
  const { out, probabilities, ...rest } = answer;
  const values = out.subarray(0, rows);
  if (!answer.classes) return { ...rest, predictions: values };
  const classes = answer.classes;
  const classIndex = Int32Array.from(values);
  const labels = new Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = classes[classIndex[i]];
  const result = /** @type {ColumnarResult} */ ({ ...rest, predictions: labels, classIndex });
  if (probabilities) result.probabilities = out.subarray(rows);
  return result;
}

/**
 * A columnar result as predict() documents it: plain arrays, one probability list per row.
 * @param {ColumnarResult} result
 * @returns {object}
 */
export function plainResult(result) {
  const { classIndex, probabilities, predictions, ...rest } = result;
  /** @type {{predictions: unknown[], probabilities?: number[][], [key: string]: unknown}} */
  const out = { ...rest, predictions: Array.isArray(predictions) ? predictions : Array.from(predictions) };
  if (probabilities) {
    const k = result.classes.length;
    const rows = new Array(predictions.length);
    for (let i = 0; i < rows.length; i++) {
      const row = new Array(k);
      for (let c = 0; c < k; c++) row[c] = probabilities[i * k + c];
      rows[i] = row;
    }
    out.probabilities = rows;
  }
  return out;
}

/**
 * A plain result (the server's answer) in the columnar shape.
 * @param {{model: {name: string, version: string}, classes?: unknown[], predictions: unknown[],
 *   probabilities?: number[][]}} result
 * @returns {ColumnarResult}
 */
export function fromPlainResult(result) {
  const { predictions, probabilities, ...rest } = result;
  if (!result.classes) return { ...rest, predictions: Float64Array.from(/** @type {number[]} */ (predictions)) };
  const position = new Map(result.classes.map((c, i) => [c, i]));
  const out = /** @type {ColumnarResult} */ ({ ...rest, predictions,
    classIndex: Int32Array.from(predictions, (label) => position.get(label) ?? -1) });
  if (probabilities) out.probabilities = Float64Array.from(probabilities.flat());
  return out;
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isPlainObject(value) {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
