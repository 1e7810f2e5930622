// Run py_pipeline inside Pyodide under Node, exactly as the browser worker does:
// loadPackage("py-pipeline") through the site's lock file, copy a bundle's files into
// Pyodide's file system, call py_pipeline.bridge.
//
// Usage: node build_scripts/pyodide_run.mjs PYODIDE_DIR < job.json > answers.json
//   job.json: {"bundles": {"<key>": "<bundle dir>"}, "calls": [{"bundle": "<key>", "rows": [...], "method"?: "explain"}],
//              "allow_pickle": true, "manifests": {"<key>": "<manifest text>"}}
//   A bundle with a manifest in "manifests" is loaded with it, not with one in its folder: the
//   build checks a bundle before writing its manifest.
//   answers:  {"load": {"<key>": <bridge answer>}, "calls": [<bridge answer>, ...], "seconds": {...},
//              "engines": {"<key>": "portable" | "sklearn"}, "modules": [heavy modules imported]}
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPyodide } from "pyodide";
import { enginePackages } from "../web/lib/bundle_files.js";

// Report a failure as one readable line, not Node's dump of the minified source line.
process.on("uncaughtException", (error) => {
  process.stderr.write(`pyodide_run failed: ${error?.message ?? error}\n`);
  process.exit(1);
});

const pyodideDir = resolve(process.argv[2] ?? "dist/pyodide") + "/";
const job = JSON.parse(readFileSync(0, "utf8"));
const started = performance.now();
const pyodide = await loadPyodide({ indexURL: pyodideDir, lockFileURL: join(pyodideDir, "pyodide-lock.json") });
await pyodide.loadPackage("py-pipeline", { messageCallback: () => {} });
const loaded = performance.now();
const bridge = pyodide.pyimport("py_pipeline.bridge");

/**
 * Install a model's feature packages from its bundle and import each module they provide: a
 * package that does not import with what the lock provides fails this model's load, saying why.
 * @param {{name: string, version: string, file: string, imports: string[]}[]} own @param {string} dir
 */
async function installOwn(own, dir) {
  for (const pkg of own) {
    try {
      await pyodide.loadPackage(resolve(dir, pkg.file), { messageCallback: () => {}, checkIntegrity: false });
      for (const module of pkg.imports) pyodide.pyimport(module);
    } catch (error) {
      const why = String(error?.message ?? error).trim().split("\n").slice(-1)[0];
      return { ok: false, error: { code: "model_unavailable",
        message: `feature package ${pkg.name} ${pkg.version} does not import in Pyodide: ${why}` } };
    }
  }
  return null;
}

const answers = { load: {}, calls: [], seconds: {} };
for (const [key, dir] of Object.entries(job.bundles)) {
  const target = `/models/${key}`;
  pyodide.FS.mkdirTree(target);
  for (const file of readdirSync(dir)) {
    pyodide.FS.writeFile(`${target}/${file}`, readFileSync(join(dir, file)));
  }
  const manifestText = job.manifests?.[key] ?? readFileSync(join(dir, "manifest.json"), "utf8");
  pyodide.FS.writeFile(`${target}/manifest.json`, manifestText);
  // As the browser worker does: the packages only this model's engine needs. The model's own
  // feature packages are not in this lock yet (the site adds them): installed from the bundle's wheels.
  const manifest = JSON.parse(manifestText);
  const own = manifest.feature_packages ?? [];
  const packages = enginePackages(manifest).filter((name) => !own.some((p) => p.name === name));
  if (packages.length) await pyodide.loadPackage(packages, { messageCallback: () => {} });
  const failed = await installOwn(own, dir);
  answers.load[key] = failed ?? JSON.parse(bridge.load(target, job.allow_pickle ?? true));
}
for (const call of job.calls) {
  // "method": "explain" asks why; predict by default
  const method = call.method === "explain" ? bridge.explain : bridge.predict;
  answers.calls.push(JSON.parse(method(`/models/${call.bundle}`, JSON.stringify(call.rows))));
}
// Which engine each bundle ran on, and whether anything beyond numpy was imported to run it.
answers.engines = JSON.parse(pyodide.runPython(`
import json, py_pipeline.bridge as b
json.dumps({d.rsplit("/", 1)[-1]: m.engine.name for d, m in b._loaded.items()})`));
answers.modules = JSON.parse(pyodide.runPython(`
import json, sys
json.dumps(sorted(m for m in ("sklearn", "scipy", "joblib", "pandas") if m in sys.modules))`));
answers.seconds = { runtime: (loaded - started) / 1000, total: (performance.now() - started) / 1000 };
answers.python = pyodide.runPython("import sys; sys.version.split()[0]");
answers.pyodide = pyodide.version;
process.stdout.write(JSON.stringify(answers));
