// The client's pure modules under Node's own test runner (node --test): no browser, no build.
// Batches a chunk at a time, the CSV record splitter, the warm-up's call order, the naming rule
// and the client's own errors.
import assert from "node:assert/strict";
import { test } from "node:test";

import { predictInChunks } from "../../../web/lib/batch.js";
import { resolveBackend } from "../../../web/lib/backend.js";
import { csvPieces } from "../../../web/lib/csv_chunks.js";
import { ErrorCode, PredictionError, asPredictionError } from "../../../web/lib/errors.js";
import { explainedOutput, fileSummary, rowLines, toExplanation } from "../../../web/lib/explanation.js";
import { checkName, isValidName } from "../../../web/lib/names.js";
import { WarmupBackend } from "../../../web/lib/warmup_backend.js";

/**
 * A backend that answers each row with its first value, and refuses a row whose value is "bad",
 * numbering it from the chunk's `firstRow` as the real backends do.
 */
const echo = async (rows, { firstRow = 1 } = {}) => {
  const bad = rows.findIndex((r) => r[0] === "bad");
  if (bad >= 0) {
    const row = firstRow + bad;
    throw new PredictionError(ErrorCode.INVALID_INPUT, `row ${row}, field 'x': expected a number`,
      [{ row, field: "x", message: `row ${row}, field 'x': expected a number` }]);
  }
  return { predictions: rows.map((r) => r[0]), probabilities: rows.map(() => [1]) };
};

test("rows a chunk at a time answer as one call, results streamed in order", async () => {
  const rows = Array.from({ length: 23 }, (_, i) => [i]);
  const seen = [];
  const result = await predictInChunks(echo, rows, { chunkSize: 5, onProgress: (p) => seen.push([p.start, p.done]) });
  assert.deepEqual(result.predictions, rows.map((r) => r[0]));
  assert.equal(result.probabilities.length, 23);
  assert.deepEqual(seen, [[0, 5], [5, 10], [10, 15], [15, 20], [20, 23]]);
});

test("each chunk is told the row it starts at, so a later chunk's error names its row in the whole batch",
  async () => {
    const rows = Array.from({ length: 12 }, (_, i) => [i === 7 ? "bad" : i]);
    const starts = [];
    const spy = (chunk, options) => { starts.push(options.firstRow); return echo(chunk, options); };
    await assert.rejects(predictInChunks(spy, rows, { chunkSize: 5 }), (error) => {
      assert.equal(error.message, "row 8, field 'x': expected a number"); // the 8th row, counted from 1
      assert.equal(error.details[0].row, 8);
      return true;
    });
    assert.deepEqual(starts, [1, 6]);
  });

test("a cancelled batch stops between chunks with the cancelled code", async () => {
  const controller = new AbortController();
  const rows = Array.from({ length: 10 }, (_, i) => [i]);
  const run = predictInChunks(echo, rows, { chunkSize: 2, signal: controller.signal,
    onProgress: (p) => { if (p.done === 4) controller.abort(); } });
  await assert.rejects(run, (error) => error.code === ErrorCode.CANCELLED);
});

test("CSV pieces are cut from the file's bytes at record ends: a quoted line break, blank lines, lines", async () => {
  const text = "\uFEFFa,b\r\n1,\"x\ny\"\r\n\r\n2,z\n3,\"\u00e9\"\"\n\"\n4,v";
  const file = new Blob([text]);
  for (const slice of [1, 3, 1 << 20]) { // slices smaller than a record read on until it ends
    const pieces = [];
    const bytes = new TextDecoder("utf-8", { ignoreBOM: true }); // the body's own bytes, its BOM kept
    for await (const piece of csvPieces(file, 2, slice)) {
      pieces.push({ ...piece, text: bytes.decode(await piece.body.arrayBuffer()) });
    }
    assert.deepEqual(pieces.map((p) => [p.rows, p.rowsBefore, p.firstLine]), [[2, 0, 2], [2, 2, 6]]);
    assert.equal(pieces[0].text, "\uFEFFa,b\r\n1,\"x\ny\"\r\n\r\n2,z\n");
    assert.equal(pieces[1].text, "\uFEFFa,b\r\n3,\"\u00e9\"\"\n\"\n4,v");
    assert.equal(pieces[1].end, file.size);
  }
  const none = [];
  for await (const piece of csvPieces(new Blob(["a,b\n\n"]), 2)) none.push(piece);
  assert.deepEqual(none, []); // a header and a blank line: no rows
});

test("the backend registry takes the first that starts and records why each other refused", async () => {
  const started = [];
  const candidates = [
    { name: "browser", refusal: () => "no WebAssembly", start: async () => started.push("browser") },
    { name: "worker", start: async () => { throw new Error("boom"); } },
    { name: "server", start: async () => { started.push("server"); return { name: "server" }; } },
  ];
  const { backend, refused } = await resolveBackend(candidates);
  assert.equal(backend.name, "server");
  assert.deepEqual(started, ["server"]);
  assert.deepEqual(refused.map((r) => [r.name, r.reason]), [["browser", "no WebAssembly"],
    ["worker", "it failed to start: boom"]]);
  await assert.rejects(resolveBackend(candidates.slice(0, 2)), (error) => error.message === "boom"
    && error.refused.length === 2);
});

test("the warm-up answers in call order, whichever backend is quicker", async () => {
  let releaseServer;
  const serverGate = new Promise((resolve) => { releaseServer = resolve; });
  const server = { name: "server", predict: async (rows) => { await serverGate; return { backend: "server", rows }; } };
  let startBrowser;
  const browserStart = new Promise((resolve) => { startBrowser = resolve; });
  const warmup = new WarmupBackend(/** @type {any} */ (server), /** @type {any} */ (browserStart));
  const order = [];
  const first = warmup.predict([1]).then((r) => order.push(["first", r.backend]));
  startBrowser({ name: "browser", predict: async (rows) => ({ backend: "browser", rows }), close() {} });
  await browserStart;
  await new Promise((resolve) => setTimeout(resolve, 0));
  const second = warmup.predict([2]).then((r) => order.push(["second", r.backend]));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(order, []); // the browser's quick answer waits for the server's, made first
  releaseServer();
  await Promise.all([first, second]);
  assert.deepEqual(order, [["first", "server"], ["second", "browser"]]);
});

test("explanations in the warm-up answer in call order with predictions, and read the same way from either backend",
  async () => {
    let releaseServer;
    const serverGate = new Promise((resolve) => { releaseServer = resolve; });
    // the server answers nested lists; the worker one flat Float64Array with its shape
    const nested = { features: ["a", "b"], derived: [], output: "margin", outputs: ["yes"], base_values: [0.5],
                     contributions: [[[0.25], [-1]]], model: { name: "m", version: "1" } };
    const flat = { ...nested, contributions: Float64Array.from([0.25, -1]), shape: [1, 2, 1] };
    const server = { name: "server", predict: async () => { await serverGate; return { backend: "server" }; },
                     explain: async () => toExplanation(nested, "server") };
    let startBrowser;
    const browserStart = new Promise((resolve) => { startBrowser = resolve; });
    const warmup = new WarmupBackend(/** @type {any} */ (server), /** @type {any} */ (browserStart));
    const order = [];
    const first = warmup.predict([1]).then((r) => order.push(["predict", r.backend]));
    const second = warmup.explain([1]).then((r) => order.push(["explain", r.backend, r]));
    startBrowser({ name: "browser", explain: async () => toExplanation(flat, "browser"), close() {} });
    await browserStart;
    await new Promise((resolve) => setTimeout(resolve, 0));
    const third = warmup.explain([1]).then((r) => order.push(["explain", r.backend, r]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(order, []);
    releaseServer();
    await Promise.all([first, second, third]);
    assert.deepEqual(order.map((o) => o.slice(0, 2)), [["predict", "server"], ["explain", "server"], ["explain", "browser"]]);
    const [fromServer, fromBrowser] = [order[1][2], order[2][2]];
    for (const why of [fromServer, fromBrowser]) {
      assert.deepEqual([...why.contributions], [0.25, -1]);
      assert.equal(why.rows, 1);
      assert.deepEqual(why.baseValues, [0.5]);
      assert.deepEqual(rowLines(why, 0).map((l) => [l.feature, l.value]), [["b", -1], ["a", 0.25]]); // by size
      assert.equal(explainedOutput(why, "yes"), 0);
    }
  });

test("a file's explanation summary: each feature's mean absolute contribution, largest first", () => {
  assert.deepEqual(fileSummary({ a: 2, b: 6, c: 0 }, 4), { rows: 4, features: ["b", "a", "c"], meanAbs: [1.5, 0.5, 0] });
});

test("names follow the one rule", () => {
  for (const good of ["iris", "1.0.0", "churn-v2_final+build.7", "a", "A9"]) assert.ok(isValidName(good), good);
  for (const bad of ["", ".", "..", "../x", "x/y", "x\\y", ".hidden", "-rf", "x.", "x ", "con", "NUL.txt", "a".repeat(65), 7]) {
    assert.ok(!isValidName(bad), String(bad));
  }
  assert.throws(() => checkName("..", "version"), (e) => e.code === ErrorCode.INVALID_INPUT
    && e.message.startsWith("version: expected 1 to 64 letters") && e.message.endsWith('got ".."'));
});

test("every error becomes the client's own, with a code", () => {
  const range = asPredictionError(new RangeError("Invalid typed array length: 4398046511104"));
  assert.equal(range.code, ErrorCode.PAYLOAD_TOO_LARGE);
  assert.ok(range.message.includes("send it in chunks with predictBatch") && range.cause instanceof RangeError);
  const clone = asPredictionError(Object.assign(new Error("could not be cloned"), { name: "DataCloneError" }));
  assert.equal(clone.code, ErrorCode.PAYLOAD_TOO_LARGE);
  assert.equal(asPredictionError(new TypeError("x is not a function")).code, ErrorCode.RUNTIME_ERROR);
  const own = new PredictionError(ErrorCode.INVALID_INPUT, "row 0");
  assert.equal(asPredictionError(own), own);
});
