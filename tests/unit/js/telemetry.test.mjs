// Drift telemetry's queue (web/lib/telemetry.js) under Node: what goes out, what waits while the
// server cannot be reached, what a full queue drops, what a refusal does. The real worker, server
// and browser: tests/browser/test_telemetry_in_browser.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_QUEUED, MAX_REPORT_ROWS, TelemetryQueue, telemetryTarget } from "../../../web/lib/telemetry.js";

const MODEL = { name: "iris", version: "1.0.0" };
const TARGET = { server: "https://models.example/", everyRows: 20 };

/** A report of `rows` rows, all in each line's first bin. */
const report = (rows, profile = "p") => ({ format: "py_pipeline.telemetry/1", profile, rows,
  counts: { petal_length_cm: [rows, 0, 0], "(predictions)": [0, rows] } });

/** A Storage-like map. */
function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)), removeItem: (k) => data.delete(k) };
}

/** A fetch that answers `status()` (or throws when it returns "down"), keeping every body. */
function server(status = () => 202) {
  const bodies = [];
  const fetch = async (url, init) => {
    const answer = status();
    if (answer === "down") throw new TypeError("Failed to fetch");
    bodies.push({ url, body: JSON.parse(init.body), init });
    return new Response(JSON.stringify(answer < 300 ? { accepted_rows: 1 } : { error: { message: "refused" } }),
      { status: answer });
  };
  return { fetch, bodies };
}

test("the option is checked: off unless given, at least 20 rows a report", () => {
  assert.equal(telemetryTarget(undefined, undefined), null);
  assert.deepEqual(telemetryTarget({ url: "https://models.example/base" }, undefined),
    { server: "https://models.example/base/", everyRows: 100 });
  assert.throws(() => telemetryTarget({ url: "https://x.example", everyRows: 5 }, undefined), /at least|from 20/);
  assert.throws(() => telemetryTarget("yes", undefined), /must be an object/);
});

test("a report goes to the model version's endpoint with counts only, no credentials and no referrer", async () => {
  const { fetch, bodies } = server();
  const queue = new TelemetryQueue(TARGET, MODEL, { storage: memoryStorage(), fetch });
  await queue.take(report(25));
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].url, "https://models.example/api/v1/models/iris/versions/1.0.0/telemetry");
  assert.deepEqual(Object.keys(bodies[0].body).sort(), ["counts", "format", "profile", "rows"]);
  assert.equal(bodies[0].init.credentials, "omit");
  assert.equal(bodies[0].init.referrerPolicy, "no-referrer");
  assert.equal(queue.status.sentRows, 25);
  assert.equal(queue.status.queuedReports, 0);
  queue.close();
});

test("while the server cannot be reached reports wait, merge, and go in one request once it can", async () => {
  let up = false;
  const { fetch, bodies } = server(() => (up ? 202 : "down"));
  const storage = memoryStorage();
  const queue = new TelemetryQueue(TARGET, MODEL, { storage, fetch });
  await queue.take(report(25));
  await queue.take(report(30));
  assert.equal(queue.status.queuedReports, 1); // merged: 55 rows, counts added bin by bin
  assert.equal(queue.status.queuedRows, 55);
  queue.close();
  // a later visit (a new queue on the same storage) sends what the first could not
  up = true;
  const later = new TelemetryQueue(TARGET, MODEL, { storage, fetch });
  await later.flush();
  assert.equal(bodies.length, 1);
  assert.equal(bodies[0].body.rows, 55);
  assert.deepEqual(bodies[0].body.counts.petal_length_cm, [55, 0, 0]);
  assert.equal(later.status.queuedReports, 0);
  later.close();
});

test("a full queue drops its oldest reports and says how many rows it dropped", async () => {
  let up = false;
  const { fetch, bodies } = server(() => (up ? 202 : "down"));
  const queue = new TelemetryQueue(TARGET, MODEL, { storage: memoryStorage(), fetch });
  for (let i = 0; i < MAX_QUEUED + 3; i++) await queue.take(report(MAX_REPORT_ROWS)); // too large to merge
  assert.equal(queue.status.queuedReports, MAX_QUEUED);
  assert.equal(queue.status.droppedRows, 3 * MAX_REPORT_ROWS);
  up = true;
  await queue.flush();
  assert.equal(bodies.length, MAX_QUEUED);
  assert.equal(bodies[0].body.dropped_rows, 3 * MAX_REPORT_ROWS); // told once, with the first report sent
  assert.equal(bodies[1].body.dropped_rows, undefined);
  queue.close();
});

test("a refused report is not sent again; a server fault is retried", async () => {
  let answer = 400;
  const { fetch, bodies } = server(() => answer);
  const queue = new TelemetryQueue(TARGET, MODEL, { storage: memoryStorage(), fetch });
  await queue.take(report(25));
  assert.equal(queue.status.refusedReports, 1);
  assert.equal(queue.status.queuedReports, 0);
  assert.match(queue.status.lastError, /400: refused/);
  answer = 503;
  await queue.take(report(25));
  assert.equal(queue.status.queuedReports, 1);
  answer = 202;
  await queue.flush();
  assert.equal(queue.status.queuedReports, 0);
  assert.equal(bodies.length, 3);
  queue.close();
});

test("a model without a profile: its status says why, and nothing is sent", async () => {
  const { fetch, bodies } = server();
  const queue = new TelemetryQueue(TARGET, MODEL, { storage: memoryStorage(), fetch });
  await queue.take({ unavailable: "model iris 1.0.0 has no reference profile" });
  assert.match(queue.status.unavailable, /no reference profile/);
  assert.equal(bodies.length, 0);
  queue.close();
});
