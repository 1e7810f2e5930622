// How <model-predictor> words an answer (web/lib/element/labels.js), under Node's test runner: a
// regression's value rounded with its unit, the range a field shows, and the warnings of values
// outside their typical range.
import assert from "node:assert/strict";
import { test } from "node:test";

import { rangeText, shownRange, shownValue, warningLines } from "../../../web/lib/element/labels.js";

test("a regression's answer is rounded to four digits, grouped, with its unit", () => {
  assert.equal(shownValue(265.00105787618475), "265");
  assert.equal(shownValue(1234567.891, "kWh"), "1,235,000 kWh");
  assert.equal(shownValue(0.000123456), "0.0001235");
  assert.equal(shownValue(-3.14159, "m"), "-3.142 m");
});

test("a field shows its typical range, else its limits, else its only values", () => {
  const typical = { name: "t", type: "number", unit: "K", minimum: 250, maximum: 350, typical_minimum: 295, typical_maximum: 305 };
  assert.deepEqual(shownRange(typical), { low: 295, high: 305, typical: true });
  assert.equal(rangeText(typical), "typically 295 to 305 K");
  assert.equal(rangeText({ name: "w", type: "integer", minimum: 0, maximum: 500 }), "0 to 500");
  assert.equal(rangeText({ name: "s", type: "integer", values: [1, 2] }), "1 / 2");
});

test("each warning names the field, its value and its typical range; more are counted", () => {
  const manifest = { features: [{ name: "air", description: "Air temperature", unit: "K", typical_minimum: 295, typical_maximum: 305 }] };
  const result = { warnings: [{ code: "out_of_range", field: "air", row: 1, expected: "typically 295 to 305 K",
    got: "got 312, outside it" }], warning_count: 3 };
  assert.deepEqual(warningLines(manifest, result), [
    "Air temperature 312 K is outside its typical range (295 to 305 K): the model saw few such values, so this answer is less certain",
    "and 2 more"]);
  assert.deepEqual(warningLines(manifest, { predictions: [1] }), []);
});
