// The key of this device's snapshot (web/lib/snapshot_store.js) under Node: a snapshot is used only
// by the build and runtime it was made with. Making and restoring one: tests/browser/test_snapshot.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { snapshotKey, snapshotUrl } from "../../../web/lib/snapshot_store.js";

const RUNTIME = ["pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.js", "pyodide/pyodide.mjs", "pyodide/python_stdlib.zip",
  "pyodide/pyodide-lock.json", "pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pyodide/py_pipeline-0.1.0-cp312-none-any.whl"];
const manifest = (build = "b1", changed = "") => ({ build, files: [
  { url: "index.html", sha256: "page" },
  ...RUNTIME.map((url) => ({ url, sha256: url === changed ? "new" : `sha-of-${url}` })),
] });

test("the key is the build and every runtime file's sha256, in any order", () => {
  const key = snapshotKey(manifest());
  assert.ok(key?.startsWith("b1."));
  const reordered = { ...manifest(), files: [...manifest().files].reverse() };
  assert.equal(snapshotKey(reordered), key);
  assert.equal(snapshotKey({ ...manifest(), files: [...manifest().files, { url: "app.js", sha256: "x" }] }), key);
});

test("another build, or any runtime file changed, is another key", () => {
  const key = snapshotKey(manifest());
  assert.notEqual(snapshotKey(manifest("b2")), key);
  for (const url of RUNTIME) assert.notEqual(snapshotKey(manifest("b1", url)), key, url);
});

test("no key without a manifest, or with a runtime file missing from it", () => {
  assert.equal(snapshotKey(null), null);
  assert.equal(snapshotKey({ files: manifest().files }), null);
  assert.equal(snapshotKey({ build: "b1", files: manifest().files.slice(0, -1) }), null);
});

test("the snapshot lives beside the site's runtime", () => {
  assert.equal(snapshotUrl(new URL("https://example.test/app/")), "https://example.test/app/pyodide/ready-interpreter.snapshot");
});

test("configureRuntime takes snapshot: true or false, nothing else", async () => {
  const { configureRuntime } = await import("../../../web/lib/runtime.js");
  assert.throws(() => configureRuntime({ snapshot: "no" }), /'snapshot' must be true or false/);
  configureRuntime({ snapshot: false });
  configureRuntime({ snapshot: true });
});

test("Python's memory is kept as its non-zero pages, and comes back byte for byte", async () => {
  const { compact, expand } = await import("../../../web/lib/snapshot_store.js");
  const PAGE = 65536;
  const bytes = new Uint8Array(5 * PAGE + 1234); // pages 0, 2 and the short last one hold data; 1 and 3 are zeros
  bytes[7] = 1;
  bytes[2 * PAGE + PAGE - 1] = 255;
  bytes[4 * PAGE] = 9; // page 4: its first byte only
  bytes[5 * PAGE + 1233] = 3;
  const { kept, pages } = compact(bytes);
  assert.deepEqual(pages, [0, 2, 4, 5]);
  assert.equal(kept.length, 3 * PAGE + 1234);
  assert.deepEqual(expand(kept, pages, bytes.length), bytes);
  const zeros = new Uint8Array(3 * PAGE);
  assert.deepEqual(compact(zeros).pages, []);
  assert.deepEqual(expand(compact(zeros).kept, [], zeros.length), zeros);
});
