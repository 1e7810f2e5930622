// Encodes hostile and ordinary batches with web/lib/columns.js and prints, per case, the column
// batch and the same rows as the JSON the server would get (tests/host/test_columns.py compares the
// two paths in Python). Cases are JavaScript, so NaN, undefined and typed arrays can appear.
import { encodeColumns, encodeRows, toJson } from "../../../web/lib/columns.js";

export const FEATURES = [
  { name: "x", type: "number", minimum: 0, maximum: 1, missing: true },
  { name: "kind", type: "category", categories: ["a", "b"], missing: true },
  { name: "n", type: "integer", minimum: 0, maximum: 10 },
  { name: "y", type: "number" },
];

const many = Array.from({ length: 40 }, (_, i) => [i / 40, i % 2 ? "a" : "b", i % 11, -i * 1.5]);

const ROWS = {
  arrays: [[0.5, "a", 3, 1.25], [0.1, "b", 0, -2]],
  objects: [{ x: 0.5, kind: "a", n: 3, y: 1.25 }, { y: -2, n: 0, kind: "b", x: 0.1 }],
  missing_allowed: [[null, null, 3, 1], [NaN, "a", 4, 2], [0.2, null, 1, 0]],
  missing_allowed_objects: [{ x: null, kind: null, n: 1, y: 0 }, { x: NaN, kind: "b", n: 1, y: 0 }],
  arrays_mixed_with_objects: [[0.5, "a", 3, 1], { x: 0.5, kind: "a", n: 3, y: 1 }],
  many_valid: many,
  many_with_two_bad: many.map((r, i) => (i === 7 ? [2, ...r.slice(1)] : i === 30 ? [r[0], "c", r[2], r[3]] : r)),
  nan_where_not_allowed: [[0.5, "a", 3, NaN], [0.5, "a", 3, Infinity], [0.5, "a", 3, -Infinity]],
  null_where_not_allowed: [[0.5, "a", null, 1]],
  strings_and_booleans: [["0.5", "a", 3, 1], [0.5, true, 3, 1], [0.5, "a", false, 1], [0.5, 7, 3, "y"]],
  out_of_range: [[1.5, "a", 11, 1], [-0.1, "b", -1, 1], [0.5, "a", 2.5, 1], [0.5, "a", 5.0, 1e300]],
  unknown_category: [[0.5, "A", 3, 1], [0.5, "", 3, 1]],
  absent_and_unknown_keys: [{ x: 0.5, kind: "a", y: 1 }, { x: 0.5, kind: "a", n: 1, y: 1, z: 3, w: undefined },
    { x: undefined, kind: "a", n: 1, y: 1 }],
  wrong_shapes: [[0.5, "a", 3], [0.5, "a", 3, 1, 9], "row", 7, null, [[0.5]], true],
  nested_values: [[[0.5], "a", 3, 1], [0.5, { k: 1 }, 3, 1], [0.5, "a", [3], 1]],
  undefined_in_arrays: [[0.5, "a", undefined, 1]],
  big_integers: [[0.5, "a", 2 ** 60, 1], [0.5, "a", 3, 2 ** 60]],
  many_bad: Array.from({ length: 150 }, () => [2, "z", -1, "q"]),
  only_scalars: [1, 2, 3],
};

const COLUMNS = {
  typed: { x: new Float64Array([0.5, NaN]), kind: ["a", null], n: new Int32Array([3, 4]), y: new Float32Array([1.5, -2]) },
  missing_column: { x: [0.5, 0.2], kind: ["a", "b"], y: [1, 2] },
  extra_column: { x: [0.5], kind: ["a"], n: [1], y: [1], z: [0] },
  typed_nan_not_allowed: { x: [0.5], kind: ["a"], n: new Float64Array([NaN]), y: new Float64Array([Infinity]) },
};

const b64 = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString("base64");
const encoded = (batch) => batch && { meta: batch.meta, numbers: b64(batch.numbers), codes: b64(batch.codes) };

const out = { features: FEATURES, cases: [] };
for (const [name, rows] of Object.entries(ROWS)) {
  out.cases.push({ name, batch: encoded(encodeRows(rows, FEATURES)), rows_json: toJson(rows) });
}
for (const [name, columns] of Object.entries(COLUMNS)) {
  const n = Object.values(columns)[0].length;
  const rows = Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, c[i]])));
  out.cases.push({ name: `columns_${name}`, batch: encoded(encodeColumns(columns, FEATURES)), rows_json: toJson(rows) });
}
process.stdout.write(JSON.stringify(out));
