// The memory-snapshot experiment of issue 10, under Node: an interpreter-only snapshot
// (loadPyodide({_makeSnapshot: true}), makeMemorySnapshot) against a normal start, each followed
// by loading numpy + py-pipeline; then whether a snapshot can be taken after loadPackage.
//
//     node bench/snapshot.mjs [dist/site/pyodide]
import { join, resolve } from "node:path";
import { loadPyodide } from "pyodide";
const indexURL = resolve(process.argv[2] ?? "dist/site/pyodide") + "/";
const lockFileURL = join(indexURL, "pyodide-lock.json");
const t = () => performance.now();
async function normal() {
  const s = t();
  const py = await loadPyodide({ indexURL, lockFileURL });
  const core = t() - s;
  await py.loadPackage(["py-pipeline"], { messageCallback: () => {} });
  py.pyimport("py_pipeline.bridge");
  return { core, total: t() - s };
}
const s0 = t();
const maker = await loadPyodide({ indexURL, lockFileURL, _makeSnapshot: true });
const snapshot = maker.makeMemorySnapshot();
console.log("snapshot bytes", snapshot.byteLength, "made in", Math.round(t() - s0), "ms");
for (let i = 0; i < 3; i++) {
  const n = await normal();
  const s = t();
  const py = await loadPyodide({ indexURL, lockFileURL, _loadSnapshot: snapshot });
  const core = t() - s;
  let total, error = null;
  try {
    await py.loadPackage(["py-pipeline"], { messageCallback: () => {} });
    py.pyimport("py_pipeline.bridge");
    total = t() - s;
  } catch (e) { error = String(e).slice(0, 200); }
  console.log(JSON.stringify({ normal: n, snapshot: { core, total, error } }));
}
// after loadPackage, a snapshot is refused (pyodide issue 5195)
try {
  const py = await loadPyodide({ indexURL, lockFileURL, _makeSnapshot: true });
  await py.loadPackage(["numpy"], { messageCallback: () => {} });
  py.makeMemorySnapshot();
  console.log("snapshot after loadPackage: made");
} catch (e) { console.log("snapshot after loadPackage:", String(e).slice(0, 160)); }
