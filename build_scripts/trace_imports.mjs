// What the browser imports: run a site's runtime under Node as the worker does, through every path
// a page can take with its models, and answer every module Python looked for. The build keeps the
// files of those modules in the standard library and in numpy (build_scripts/trim.py).
//
// Usage: node build_scripts/trace_imports.mjs < job.json > traced.json
//   job.json: {"pyodide": "<the site's pyodide folder: its lock names our wheel and the feature packages>",
//              "bundles": ["<a browser bundle's folder>", ...],   (models on numpy and our wheel alone)
//              "rows": [[valid rows of the first bundle, in feature order], ...]}
//   traced:   {"modules": [every module name asked for, found or not], "files": [their files], "seconds": n}
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPyodide } from "pyodide";
import { encodeRows, toJson } from "../web/lib/columns.js";

process.on("uncaughtException", (error) => {
  process.stderr.write(`trace_imports failed: ${error?.message ?? error}\n`);
  process.exit(1);
});

const job = JSON.parse(readFileSync(0, "utf8"));
const started = performance.now();
const indexURL = resolve(job.pyodide) + "/";
const pyodide = await loadPyodide({ indexURL, lockFileURL: join(indexURL, "pyodide-lock.json") });
// Every name any import asks for from here on, found or not: a probe that fails in the trace
// (an optional module) must find the same nothing later, not fetch the full files.
pyodide.runPython(`
import sys
class _Asked:
    names = set()
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        cls.names.add(name)
        return None
sys.meta_path.insert(0, _Asked)
`);
const manifests = job.bundles.map((dir) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
const own = [...new Set(manifests.flatMap((m) => (m.feature_packages ?? []).map((p) => p.name)))];
await pyodide.loadPackage(["py-pipeline", ...own], { messageCallback: () => {} });
// every module of our wheel that imports here (what the snapshot imports: py_pipeline/snapshot_files.py)
pyodide.runPython(`
import importlib, pkgutil, py_pipeline
for m in pkgutil.walk_packages(py_pipeline.__path__, "py_pipeline."):
    try:
        importlib.import_module(m.name)
    except Exception:
        pass
`);
const bridge = pyodide.pyimport("py_pipeline.bridge");
const call = (answer) => JSON.parse(answer);

for (const [i, dir] of job.bundles.entries()) {
  const manifest = manifests[i];
  const target = `/models/${i}`;
  pyodide.FS.mkdirTree(target);
  for (const file of readdirSync(dir)) pyodide.FS.writeFile(`${target}/${file}`, readFileSync(join(dir, file)));
  for (const pkg of manifest.feature_packages ?? []) for (const module of pkg.imports) pyodide.pyimport(module);
  call(bridge.load(target, true));
  const names = manifest.features.map((f) => f.name);
  const examples = job.rows[i];
  const objects = examples.map((row) => Object.fromEntries(names.map((n, j) => [n, row[j]])));
  // faulty rows too: every kind of problem a page can send, so their messages' imports are traced
  const faulty = [{ ...objects[0], [names[0]]: "not a value" }, { nope: 1 }, names.map(() => null), 5,
    { ...objects[0], [names[0]]: 1e300 }];
  for (const rows of [objects, examples, faulty, [objects[0]]]) {
    call(bridge.predict(target, toJson(rows), 1, 2));
    call(bridge.explain(target, toJson(rows), 1, false, true));
    const batch = encodeRows(rows, manifest.features);
    if (!batch) continue;
    const classes = manifest.classes?.length ?? 0;
    const out = new Float64Array(batch.rows * (1 + classes));
    call(bridge.predict_columns(target, batch.meta, batch.numbers, batch.codes, out, 1, 2));
    call(bridge.explain_columns(target, batch.meta, batch.numbers, batch.codes, 1));
  }
  // a file: scored with explanations and a drift report, then one cancelled
  const csv = [names.join(","), ...examples.map((r) => r.join(",")), names.map(() => "?").join(",")].join("\n");
  const drift = readdirSync(dir).includes("profile.json");
  const opened = call(bridge.csv_open(target, new TextEncoder().encode(csv), true, drift));
  if (opened.ok) {
    call(bridge.csv_step(opened.result.id, 1000));
    bridge.csv_take(opened.result.id);
    call(bridge.csv_finish(opened.result.id));
    bridge.csv_files(opened.result.id);
  }
  const again = call(bridge.csv_open(target, csv, false, false));
  if (again.ok) call(bridge.csv_cancel(again.result.id));
  call(bridge.unload(target));
}

const traced = JSON.parse(pyodide.runPython(`
import json, sys
asked = _Asked.names | set(sys.modules)
files = sorted({f for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str)})
json.dumps({"modules": sorted(asked), "files": files})`));
traced.seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify(traced));
