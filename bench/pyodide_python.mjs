// Run a Python script inside Pyodide under Node with the site's lock file and our wheel, the
// given bundle directories copied into its file system. For benchmarks that must time code
// inside Pyodide itself.
//
// Usage: node bench/pyodide_python.mjs PYODIDE_DIR < job.json
//   job.json: {"bundles": {"<key>": "<dir>"}, "script": "<python source>", "input": <any JSON>,
//              "packages": ["scikit-learn", ...]}  (installed, not imported: sys.modules stays clean)
//   The script reads INPUT (the job's input) and BUNDLES ({key: path in Pyodide}) and assigns
//   OUTPUT, which is printed as JSON.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPyodide } from "pyodide";

const pyodideDir = resolve(process.argv[2] ?? "dist/pyodide") + "/";
const job = JSON.parse(readFileSync(0, "utf8"));
const pyodide = await loadPyodide({ indexURL: pyodideDir, lockFileURL: join(pyodideDir, "pyodide-lock.json") });
await pyodide.loadPackage(["py-pipeline", ...(job.packages ?? [])], { messageCallback: () => {} });
const bundles = {};
for (const [key, dir] of Object.entries(job.bundles)) {
  const target = `/models/${key}`;
  pyodide.FS.mkdirTree(target);
  for (const file of readdirSync(dir)) pyodide.FS.writeFile(`${target}/${file}`, readFileSync(join(dir, file)));
  bundles[key] = target;
}
pyodide.globals.set("INPUT_JSON", JSON.stringify(job.input ?? null));
pyodide.globals.set("BUNDLES_JSON", JSON.stringify(bundles));
pyodide.runPython("import json\nINPUT = json.loads(INPUT_JSON)\nBUNDLES = json.loads(BUNDLES_JSON)");
pyodide.runPython(job.script);
process.stdout.write(pyodide.runPython("json.dumps(OUTPUT)"));
