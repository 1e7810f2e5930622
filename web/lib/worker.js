// Module Web Worker: runs py_pipeline inside Pyodide. Pyodide starts loading as soon as the
// page's first message says where the assets are; every request awaits that one promise.
// Pyodide is imported from the assets at run time, not bundled: a bundler that moves this
// worker leaves the runtime where the site serves it.
import { browserEngine, engineFiles, enginePackages } from "./bundle_files.js";
import { toJson } from "./columns.js";
import { ErrorCode } from "./error_codes.js";
import { notServed } from "./errors.js";
import { MessageType } from "./protocol.js";
import { startPython } from "./snapshot.js";

/**
 * @param {string} stage @param {number} fraction @param {string} message
 * @param {{loaded: number, total: number}} [bytes] the runtime's bytes downloaded so far
 * @param {string} [snapshot] how Python started (restored from this device's snapshot, or why not), or whether one was made
 */
function progress(stage, fraction, message, bytes, snapshot) {
  self.postMessage({ type: MessageType.PROGRESS, stage, fraction, message, ...bytes, ...(snapshot ? { snapshot } : {}) });
}

// The runtime's files (their sizes come from the site's precache manifest): progress counts
// their bytes as each download finishes, from the worker's own resource timing entries.
const RUNTIME_FILE = /^pyodide\/(pyodide\.asm\.(wasm|js)|pyodide\.mjs|python_stdlib\.zip|pyodide-lock\.json|(numpy|py_pipeline)-[^/]*\.whl)$/;
const MB = (bytes) => (bytes / 1e6).toFixed(1);

/**
 * Report the runtime's download as bytes loaded out of the expected total, until it is up.
 * @param {URL} site the assets folder @param {Promise<any>} manifest the site's precache manifest (null without one)
 */
function reportDownload(site, manifest) {
  const files = new Map(); // url -> size, once the precache manifest is read
  const seen = new Map(); // url -> bytes loaded
  let done = false;
  const report = () => {
    if (done) return;
    const loaded = [...seen.values()].reduce((a, b) => a + b, 0);
    const total = [...files.values()].reduce((a, b) => a + b, 0);
    const fraction = total ? Math.min(loaded / total, 1) : 0;
    progress("runtime", 0.05 + 0.8 * fraction, total
      ? `Loading the Python runtime: ${MB(loaded)} of ${MB(total)} MB` : `Loading the Python runtime: ${MB(loaded)} MB`,
      { loaded, total });
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const url = entry.name.split("?")[0];
      // the same files the total counts: a later package download is no part of the runtime's
      if (url.startsWith(site.href) && RUNTIME_FILE.test(url.slice(site.href.length))) {
        seen.set(url, entry.decodedBodySize || entry.transferSize);
      }
    }
    report();
  });
  observer.observe({ type: "resource", buffered: true });
  manifest.then((read) => {
    for (const file of read?.files ?? []) {
      if (RUNTIME_FILE.test(file.url)) files.set(new URL(file.url, site).href, file.size);
    }
    report();
  });
  return () => {
    done = true;
    observer.disconnect();
  };
}

/** @param {{assets: string, snapshot: boolean}} start the assets folder's URL; whether to keep a snapshot of Python */
async function startRuntime({ assets, snapshot: snapshots }) {
  progress("runtime", 0.05, "Loading the Python runtime, numpy and py_pipeline");
  const site = new URL(assets);
  const manifest = fetch(new URL("precache-manifest.json", site)).then((r) => (r.ok ? r.json() : null))
    .catch(() => null); // a host without the manifest: no snapshot, bytes without a total
  const stopReporting = reportDownload(site, manifest);
  // A later visit restores this device's snapshot (numpy and py_pipeline imported: snapshot.js).
  // Otherwise `packages` starts their download while the runtime boots. The lock file lists
  // py-pipeline with numpy, all a portable model needs; scikit-learn (and pandas) load later,
  // only for a model whose manifest asks for them.
  const { pyodide, snapshot } = await startPython({ site, manifest, enabled: snapshots,
    normalStart: async ({ loadPyodide }, indexURL) => {
      const pyodide = await loadPyodide({ indexURL, packages: ["py-pipeline"] });
      // what the site trimmed from the standard library and numpy comes when an import needs it
      const onDemand = pyodide.pyimport("py_pipeline.on_demand");
      onDemand.serve(indexURL);
      onDemand.destroy();
      return pyodide;
    },
    onMade: (made) => progress("snapshot", 1, made.message, undefined, made.snapshot),
    quietFor: () => (requests.running ? 0 : performance.now() - requests.endedAt) });
  stopReporting();
  progress("ready", 0.9, "Runtime ready", undefined, snapshot);
  return { pyodide, bridge: pyodide.pyimport("py_pipeline.bridge") };
}

/** Requests being answered, and when the last one ended: the snapshot is made while none is. */
const requests = { running: 0, endedAt: 0 };

/** @type {(start: {assets: string, snapshot: boolean}) => void} */
let start;
const runtime = new Promise((resolve) => { start = resolve; }).then(startRuntime);
let runtimeFailed = false;
runtime.catch(() => { runtimeFailed = true; }); // reported per request below

/** @param {string} name @param {string} version */
const bundleDir = (name, version) => `/models/${name}/${version}`;

/** The result file of each open CSV file so far, a Blob per scored chunk, by file id. */
const resultParts = new Map();

/** Answers of models already loaded, by bundle directory: several predictors may share one. */
const loaded = new Map();

/** Where each loaded bundle is served, and its manifest, by bundle directory. */
const bundles = new Map();

/** Bundle directories whose profile is in place. */
const profiled = new Set();

/**
 * Put the bundle's reference profile beside it in Pyodide's file system, fetched the first time a
 * file's drift report asks for it (it is counts only; a model without one answers drift_unavailable).
 * @param {string} dir
 */
async function ensureProfile(dir) {
  if (profiled.has(dir)) return;
  const { url, manifest } = bundles.get(dir) ?? {};
  const file = manifest?.profile?.file;
  if (!file) return;
  const { pyodide } = await runtime;
  const path = `${dir}/${file}`;
  if (!pyodide.FS.analyzePath(path).exists) pyodide.FS.writeFile(path, await fetchBytes(new URL(file, url)));
  profiled.add(dir);
}

/** @param {{name: string, version: string, url: string, allowPickle?: boolean, manifestText?: string}} model */
async function loadModel(model) {
  const dir = bundleDir(model.name, model.version);
  // The page hands over the manifest it has read (it reads each once); the worker fetches it otherwise.
  const manifestText = model.manifestText ?? await fetchText(new URL("manifest.json", model.url));
  const manifest = JSON.parse(manifestText);
  if (model.allowPickle === false && browserEngine(manifest) !== "portable") {
    // refused before any model file or package is downloaded, and before a load another predictor
    // (one that allows pickles) may have started for the same bundle
    const why = manifest.portable_unavailable ?? "it has no portable engine";
    return { ok: false, error: { code: ErrorCode.MODEL_UNAVAILABLE, details: [{ field: "engine",
      expected: "a model with a portable engine", actual: why }],
      message: `model '${model.name}' ${model.version} is unavailable: this page refuses pickled models `
        + `(allowPickle: false) and the model has no portable engine (${why})` } };
  }
  bundles.set(dir, { url: model.url, manifest });
  if (!loaded.has(dir)) loaded.set(dir, fetchAndLoad(model, dir, manifestText, manifest));
  let answer;
  try {
    answer = await loaded.get(dir);
  } finally {
    if (!answer?.ok) loaded.delete(dir); // a failed load is retried by the next request
  }
  return answer;
}

/**
 * @param {{name: string, version: string, url: string, allowPickle?: boolean}} model
 * @param {string} dir @param {string} manifestText @param {import("./manifest_types.js").ManifestDocument} manifest
 */
async function fetchAndLoad(model, dir, manifestText, manifest) {
  // The bundle downloads while the runtime may still be starting; only loading it waits.
  const files = engineFiles(manifest);
  const downloads = Promise.all(files.map((file) => fetchBytes(new URL(file, model.url))));
  downloads.catch(() => {}); // reported below, once the runtime is up
  const { pyodide, bridge } = await runtime;
  progress("model", 0.92, `Loading model ${model.name} ${model.version}`);
  const packages = enginePackages(manifest);
  const [contents] = await Promise.all([
    downloads,
    packages.length ? pyodide.loadPackage(packages, { messageCallback: () => {} }) : null,
  ]);
  pyodide.FS.mkdirTree(dir);
  pyodide.FS.writeFile(`${dir}/manifest.json`, manifestText);
  files.forEach((file, i) => pyodide.FS.writeFile(`${dir}/${file}`, contents[i]));
  // The bridge checks every file's sha256 before parsing or unpickling it.
  const answer = JSON.parse(bridge.load(dir, model.allowPickle !== false));
  if (answer.ok) progress("ready", 1, "Ready");
  return answer;
}

/** @param {{name: string, version: string}} model */
async function unloadModel(model) {
  const { pyodide, bridge } = await runtime;
  const dir = bundleDir(model.name, model.version);
  loaded.delete(dir);
  profiled.delete(dir);
  const answer = JSON.parse(bridge.unload(dir));
  try {
    for (const file of pyodide.FS.readdir(dir)) if (file !== "." && file !== "..") pyodide.FS.unlink(`${dir}/${file}`);
  } catch {
    // never loaded, or already gone
  }
  return answer;
}

/**
 * @param {{name: string, version: string}} model @param {unknown[]} rows
 * @param {number} [firstRow] the row number of the first row (problems are numbered from it)
 * @param {number} [telemetry] count the predictions for the page's drift telemetry, a report every this many rows
 */
async function predict(model, rows, firstRow = 1, telemetry = 0) {
  const { bridge } = await runtime;
  const dir = bundleDir(model.name, model.version);
  if (telemetry) await ensureProfile(dir);
  return JSON.parse(bridge.predict(dir, toJson(rows), firstRow, telemetry));
}

/**
 * Predict a column batch: the typed arrays go to Python as buffers, and Python writes the answer
 * into `batch.out` (class index or value per row, then probabilities), sent back transferred.
 * @param {{name: string, version: string}} model @param {import("./columns.js").ColumnBatch} batch
 * @param {number} [firstRow] @param {number} [telemetry] as predict() takes it
 */
async function predictColumns(model, batch, firstRow = 1, telemetry = 0) {
  const { bridge } = await runtime;
  const dir = bundleDir(model.name, model.version);
  if (telemetry) await ensureProfile(dir);
  const answer = JSON.parse(bridge.predict_columns(dir, batch.meta, batch.numbers, batch.codes, batch.out, firstRow,
    telemetry));
  if (answer.ok) answer.result.out = batch.out;
  return answer;
}

/**
 * Explain JSON rows or a column batch; the contributions cross to the page as one Float64Array
 * (made here, off the page's main thread).
 * @param {{name: string, version: string}} model @param {{rows?: unknown[], batch?: any}} input
 * @param {number} [firstRow]
 */
async function explain(model, { rows, batch }, firstRow = 1) {
  const { bridge } = await runtime;
  const dir = bundleDir(model.name, model.version);
  const answer = JSON.parse(batch
    ? bridge.explain_columns(dir, batch.meta, batch.numbers, batch.codes, firstRow)
    : bridge.explain(dir, toJson(rows), firstRow, false, true));
  if (answer.ok) answer.result.contributions = Float64Array.from(answer.result.contributions);
  return answer;
}

/** The buffer of an answer's typed array, to transfer rather than copy. */
function transferables(answer) {
  return [answer?.result?.out, answer?.result?.contributions].filter((a) => ArrayBuffer.isView(a)).map((a) => a.buffer);
}

/** @param {URL} url */
async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw await notServed(url.href, response);
  return response.text();
}

/** @param {URL} url */
async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw await notServed(url.href, response);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Hold the page's lock for as long as this worker lives: the browser releases it when the worker
 * ends, however it ends, and the page learns of it from its own request for the lock.
 * @param {string} lock
 */
function holdLock(lock) {
  if (!navigator.locks) { // no Web Locks (an insecure origin): alive, but its end goes unseen
    self.postMessage({ type: MessageType.ALIVE });
    return;
  }
  navigator.locks.request(lock, () => {
    self.postMessage({ type: MessageType.ALIVE });
    return new Promise(() => {}); // never settles: held until the worker ends
  });
}

/**
 * Whether an error leaves this worker unable to answer again: the runtime never started, or
 * Python suffered a fatal error (Pyodide then refuses every later call).
 * @param {unknown} error
 */
function fatal(error) {
  return runtimeFailed || /fatally failed|Pyodide has suffered a fatal error|^Aborted\(/.test(String(error?.message ?? error));
}

self.addEventListener("message", async (event) => {
  const request = event.data;
  if (request.type === MessageType.START) {
    holdLock(request.lock);
    start({ assets: request.assets, snapshot: request.snapshot !== false });
    return;
  }
  let answer;
  requests.running += 1;
  try {
    switch (request.type) {
      case MessageType.LOAD_MODEL:
        answer = await loadModel(request.model);
        break;
      case MessageType.PREDICT:
        answer = await predict(request.model, request.rows, request.firstRow, request.telemetry);
        break;
      case MessageType.PREDICT_COLUMNS:
        answer = await predictColumns(request.model, request.batch, request.firstRow, request.telemetry);
        break;
      case MessageType.EXPLAIN:
      case MessageType.EXPLAIN_COLUMNS:
        answer = await explain(request.model, request, request.firstRow);
        break;
      case MessageType.UNLOAD_MODEL:
        answer = await unloadModel(request.model);
        break;
      case MessageType.CSV_OPEN: {
        // a File or Blob is read here, off the page's main thread, as bytes: Python decodes them as
        // it reads, so the file is never held as a JS string or a Python str
        const bytes = typeof request.text === "string" ? new TextEncoder().encode(request.text)
          : new Uint8Array(await request.text.arrayBuffer());
        const dir = bundleDir(request.model.name, request.model.version);
        if (request.drift) await ensureProfile(dir);
        answer = JSON.parse((await runtime).bridge.csv_open(dir, bytes, Boolean(request.explain), Boolean(request.drift)));
        if (answer.ok) resultParts.set(answer.result.id, []);
        break;
      }
      case MessageType.CSV_STEP: {
        const { bridge } = await runtime;
        answer = JSON.parse(bridge.csv_step(request.file, request.rows));
        // the result file grows here, as Blobs (kept by the browser, out of the wasm and JS heaps)
        if (answer.ok) resultParts.get(request.file)?.push(new Blob([bridge.csv_take(request.file)]));
        break;
      }
      case MessageType.CSV_FINISH: {
        const { bridge } = await runtime;
        answer = JSON.parse(bridge.csv_finish(request.file));
        if (answer.ok) { // as Blobs: the page receives a reference, not a copy of a large text on its thread
          const files = bridge.csv_files(request.file);
          const [rest, errors] = files.toJs();
          files.destroy();
          answer.result.result = new Blob([...(resultParts.get(request.file) ?? []), rest], { type: "text/csv" });
          answer.result.errors = new Blob([errors], { type: "text/csv" });
          if (answer.result.drift_report) {
            answer.result.drift_report = new Blob([answer.result.drift_report], { type: "text/html" });
          }
          resultParts.delete(request.file);
        }
        break;
      }
      case MessageType.CSV_CANCEL:
        answer = JSON.parse((await runtime).bridge.csv_cancel(request.file));
        resultParts.delete(request.file);
        break;
      default:
        answer = { ok: false, error: { code: ErrorCode.BAD_MESSAGE, message: `unknown message type ${request.type}`, details: [] } };
    }
  } catch (error) {
    // a PredictionError (say, a BigInt in the rows) keeps its code and details
    answer = { ok: false, error: { code: error?.code ?? ErrorCode.WORKER_FAILED, message: String(error?.message ?? error),
                                   details: error?.details ?? [] } };
    if (fatal(error)) {
      // this worker cannot answer again: end it, so that the page fails what is pending and the
      // next call starts a fresh runtime (a runtime that failed to start is tried again then)
      self.postMessage({ id: request.id, ...answer });
      self.close();
      return;
    }
  } finally {
    requests.running -= 1;
    requests.endedAt = performance.now();
  }
  self.postMessage({ id: request.id, ...answer }, transferables(answer));
});
