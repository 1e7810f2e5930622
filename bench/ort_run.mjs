// onnxruntime-web (its WebAssembly backend, single-threaded, as a page without cross-origin
// isolation runs it) under Node, for bench/boosters.py. Reads a JSON job on stdin:
//   {models: {key: "model.onnx"}, input: {key: {rows: [[...]], width: n}}} (null: a missing value)
// and prints {key: {single_row_ms, batch_rows_per_s, probabilities}}: the median of timed calls.
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";

ort.env.wasm.numThreads = 1;

const job = JSON.parse(readFileSync(0, "utf8"));

/** @param {() => Promise<unknown>} fn @param {number} calls */
async function medianMs(fn, calls) {
  await fn();
  const times = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const out = {};
for (const [key, path] of Object.entries(job.models)) {
  const session = await ort.InferenceSession.create(readFileSync(path));
  const { rows, width } = job.input[key];
  const flat = Float32Array.from(rows.flat(), (v) => (v === null ? NaN : v));
  const batch = new ort.Tensor("float32", flat, [rows.length, width]);
  const one = new ort.Tensor("float32", flat.slice(0, width), [1, width]);
  const probabilitiesName = session.outputNames.find((n) => n.includes("prob")) ?? session.outputNames.at(-1);
  const answer = await session.run({ [session.inputNames[0]]: batch });
  const single = await medianMs(() => session.run({ [session.inputNames[0]]: one }), 200);
  const batchMs = await medianMs(() => session.run({ [session.inputNames[0]]: batch }), 5);
  out[key] = { single_row_ms: single, batch_rows_per_s: Math.round(rows.length / batchMs * 1000),
    probabilities: Array.from(answer[probabilitiesName].data) };
}
process.stdout.write(JSON.stringify(out));
