// Public entry point of the client library: one predictor, two backends.
//
//   const predictor = await createPredictor({ model: "iris" });
//   const result = await predictor.predict([[5.1, 3.5, 1.4, 0.2]]);
//   result.predictions, result.probabilities, result.backend  // "browser" or "server"
//
//   // or one typed array per feature, answered with typed arrays:
//   const out = await predictor.predictColumns({ sepal_length_cm: new Float64Array([5.1]), ... });
//   out.predictions, out.classIndex (Int32Array), out.probabilities (Float64Array, row-major)
//
//   // why: each row's exact contributions per feature (in browser mode the rows stay on the device)
//   const why = await predictor.explain([[5.1, 3.5, 1.4, 0.2]]);
//   why.features, why.outputs, why.baseValues, why.contributions (Float64Array: row, feature, output)
//
//   // or many rows, or a CSV File, a chunk at a time, with progress and cancel:
//   await predictor.predictBatch(rows, { chunkSize: 5000, onProgress: (p) => p.done, signal });
import { predictInChunks } from "./batch.js";
import { BrowserBackend } from "./browser_backend.js";
import { CAN_RUN_IN_BROWSER } from "./environment.js";
import { ErrorCode, PredictionError, asPredictionError, notServed } from "./errors.js";
import { checkName } from "./names.js";
import { configureRuntime, runtimeStarts } from "./runtime.js";
import { segment } from "./names.js";
import { ServerBackend } from "./server_backend.js";
import { WarmupBackend } from "./warmup_backend.js";
import { telemetryTarget } from "./telemetry.js";
import { resolveBackend } from "./backend.js";

export { PredictionError, ErrorCode, configureRuntime, runtimeStarts };
export { explainedOutput, rowLines } from "./explanation.js";

/** Where the runtime, wheels and models are served unless `assetsUrl` says otherwise: the
 * folder above this module (<assets>/lib/predictor.js). */
const SITE_URL = new URL("../", import.meta.url);

/**
 * @typedef {"auto" | "browser" | "server"} Mode
 * @typedef {{name: string, version: string, task: string, runtimes: string[], engines?: {browser?: string, server?: string},
 *   path: string}} IndexEntry
 * @typedef {{
 *   backend: "browser" | "server",
 *   model: {name: string, version?: string},
 *   fallbackReason: string | null,
 *   predict: (rows: unknown[]) => Promise<object>,
 *   explain: (rows: unknown[]) => Promise<import("./explanation.js").Explanation>,
 *   predictColumns: (columns: import("./columns.js").Columns) => Promise<import("./columns.js").ColumnarResult>,
 *   scoreCsv: (text: string | Blob, options?: import("./backend.js").ScoreOptions)
 *     => Promise<import("./backend.js").ScoredFile>,
 *   predictBatch: (rowsOrFile: unknown[] | string | Blob, options?: {chunkSize?: number, signal?: AbortSignal,
 *     onProgress?: (p: any) => void}) => Promise<any>,
 *   telemetry: import("./telemetry.js").TelemetryStatus | null,
 *   close: () => void,
 * }} Predictor
 */

/**
 * Read the site's model index (models/index.json): every model version, oldest first per
 * model, and the model a page should open with.
 * @param {URL | string} [siteUrl]
 * @returns {Promise<{default_model: string | null, models: IndexEntry[]}>}
 */
export async function readIndex(siteUrl = SITE_URL) {
  return JSON.parse(await readOnce(new URL("models/index.json", siteUrl), "models/index.json"));
}

/** The site's index and manifests, each read once per page (a failed read is tried again). */
const siteFiles = new Map();

/**
 * The text of a file of the site, fetched the first time a page asks for it.
 * @param {URL} url @param {string} path as a message names it
 * @returns {Promise<string>}
 */
function readOnce(url, path) {
  const key = url.href;
  if (!siteFiles.has(key)) {
    const read = fetch(url).then(async (response) => {
      if (!response.ok) throw await notServed(path, response);
      return response.text();
    });
    read.catch(() => siteFiles.delete(key));
    siteFiles.set(key, read);
  }
  return siteFiles.get(key);
}

/**
 * Every model version the site lists.
 * @param {URL | string} [siteUrl]
 * @returns {Promise<IndexEntry[]>}
 */
export async function listModels(siteUrl = SITE_URL) {
  return (await readIndex(siteUrl)).models;
}

/**
 * Create a predictor for one model.
 *
 * `browser` runs py_pipeline in Pyodide in a Web Worker; `server` calls the HTTP API;
 * `auto` uses the browser when it can (WebAssembly and Workers available, the model is
 * browser-eligible, the runtime starts) and the server otherwise.
 *
 * @param {{
 *   model: string,
 *   version?: string,
 *   mode?: Mode,
 *   serverUrl?: string,
 *   assetsUrl?: string | URL,
 *   siteUrl?: string | URL,
 *   onProgress?: (p: import("./protocol.js").Progress) => void,
 *   allowPickle?: boolean,
 *   serverWarmup?: boolean,
 *   serverTimeoutMs?: number,
 *   telemetry?: import("./telemetry.js").TelemetryOption,
 * }} options `assetsUrl`: the folder that holds `models/`, `pyodide/` and `lib/` (default: the
 *   folder above this module; `siteUrl` is its older name). `serverTimeoutMs` (10 s unless given): a server call that takes longer rejects with
 *   `server_timeout`. `allowPickle: false` runs only models with a portable engine in the browser:
 *   loading a pickled scikit-learn model runs code from the model file. `serverWarmup: true`
 *   (auto mode only, off by default because it sends the first rows to the server) answers on the
 *   server while the browser runtime loads, then in the browser: the predictor is ready at once.
 *   `telemetry: {url, everyRows}` (off unless given): in browser mode, send the server at `url` (default:
 *   `serverUrl`, else the page's origin) the per-bin counts of what was predicted here, every `everyRows`
 *   rows (100 unless given; at least 20): never a row, a value or a time (telemetry.js says what is sent;
 *   counts that cannot be sent wait offline, up to a cap). `predictor.telemetry` tells what was sent.
 * @returns {Promise<Predictor>}
 */
export async function createPredictor({ model, version, mode = "auto", serverUrl, assetsUrl, siteUrl, onProgress,
  allowPickle = true, serverWarmup = false, serverTimeoutMs, telemetry } = /** @type {any} */ ({})) {
  siteUrl = assetsUrl ?? siteUrl ?? SITE_URL;
  if (typeof model !== "string" || !model) throw new TypeError("createPredictor: 'model' must be a model name");
  checkName(model, "model");
  if (version !== undefined) checkName(version, "version");
  if (!["auto", "browser", "server"].includes(mode)) {
    throw new TypeError(`createPredictor: 'mode' must be "auto", "browser" or "server", got ${JSON.stringify(mode)}`);
  }
  const server = serverUrl ?? globalThis.location?.origin;
  const serverBackend = (target) => new ServerBackend(target, server, { timeoutMs: serverTimeoutMs });
  const telemetryTo = telemetryTarget(telemetry, serverUrl); // checked in every mode; used in the browser's
  if (mode === "server") return wrap(serverBackend({ name: model, version }), { name: model, version }, null);

  let entry = null;
  let unreadable = null;
  try {
    entry = findModel(await listModels(siteUrl), model, version);
  } catch (error) {
    if (error instanceof PredictionError) throw error;
    unreadable = `the model index could not be read: ${error.message}`;
  }
  const browserTarget = entry && { name: entry.name, version: entry.version };
  const serverTarget = { name: model, version: entry?.version ?? version };
  /** @type {import("./backend.js").Candidate} */
  const browser = {
    name: "browser",
    refusal: () => unreadable ?? (!CAN_RUN_IN_BROWSER ? "this browser cannot run WebAssembly in a Web Worker"
      : !entry.runtimes.includes("browser") ? `model ${model} ${entry.version} is marked server-only`
        : !allowPickle && entry.engines?.browser !== "portable"
          ? `model ${model} ${entry.version} has no portable engine, and allowPickle is false` : null),
    start: () => {
      const url = new URL(entry.path, new URL("models/", siteUrl)).href;
      // the page's one read of the manifest, handed to the worker (which would fetch it otherwise);
      // read while the worker starts, not before
      const manifestText = readOnce(new URL("manifest.json", url), `models/${entry.path}manifest.json`)
        .catch(() => undefined);
      return BrowserBackend.start({ ...browserTarget, url, allowPickle, manifestText },
        { assets: new URL(siteUrl, globalThis.location?.href).href, onProgress,
          telemetry: telemetryTo });
    },
  };
  if (serverWarmup && mode === "auto" && !browser.refusal()) {
    return wrap(new WarmupBackend(serverBackend(browserTarget), browser.start()), browserTarget, null);
  }
  /** @type {import("./backend.js").Candidate} */
  const onServer = { name: "server", start: async () => serverBackend(serverTarget) };
  let chosen;
  try {
    chosen = await resolveBackend(mode === "browser" ? [browser] : [browser, onServer]);
  } catch (error) { // browser mode: the browser refused
    const [refusal] = error.refused ?? [];
    throw refusal && !refusal.error ? new PredictionError(ErrorCode.RUNTIME_UNAVAILABLE, refusal.reason) : error;
  }
  const [refusal] = chosen.refused;
  const reason = !refusal ? null
    : refusal.error ? `the browser runtime failed to start: ${/** @type {Error} */ (refusal.error).message}`
      : refusal.reason;
  return wrap(chosen.backend, chosen.backend.name === "browser" ? browserTarget : serverTarget, reason);
}

/**
 * The index entry of model `name` at `version` (the newest when no version is given).
 * @param {IndexEntry[]} models @param {string} name @param {string} [version]
 * @returns {IndexEntry}
 * @throws {PredictionError} `unknown_model`, naming what is available
 */
export function findModel(models, name, version) {
  const matching = models.filter((m) => m.name === name);
  if (matching.length === 0) {
    throw new PredictionError(ErrorCode.UNKNOWN_MODEL,
      `no model named '${name}'; available: ${[...new Set(models.map((m) => m.name))].join(", ") || "none"}`);
  }
  if (version === undefined) return matching[matching.length - 1]; // the index lists oldest first
  const found = matching.find((m) => m.version === version);
  if (!found) {
    throw new PredictionError(ErrorCode.UNKNOWN_MODEL,
      `model '${name}' has no version '${version}'; available: ${matching.map((m) => m.version).join(", ")}`);
  }
  return found;
}

/**
 * A model's manifest (features, classes, description): from the assets, or from the server's API
 * when the assets do not have it (a server-only page).
 * @param {{model: string, version?: string, assetsUrl?: string | URL, serverUrl?: string}} where
 * @returns {Promise<{name: string, version: string, description?: string, features: object[], classes?: string[],
 *   example?: unknown[], positive_class?: string}>}
 */
export async function readManifest({ model, version, assetsUrl = SITE_URL, serverUrl }) {
  let models;
  try {
    models = await listModels(assetsUrl);
  } catch (error) {
    const response = await fetch(serverManifestUrl({ model, version, serverUrl }));
    if (response.ok) return response.json();
    throw new PredictionError(response.status === 404 ? ErrorCode.UNKNOWN_MODEL : ErrorCode.SERVER_ERROR,
      `model '${model}' could not be described: ${error.message}; the server answered ${response.status}`);
  }
  const entry = findModel(models, model, version);
  return JSON.parse(await readOnce(new URL(`models/${entry.path}manifest.json`, assetsUrl),
    `models/${entry.path}manifest.json`));
}

/**
 * The fallback server's API route for a model's manifest (the newest version unless pinned).
 * @param {{model: string, version?: string, serverUrl?: string}} where
 * @returns {URL}
 */
export function serverManifestUrl({ model, version, serverUrl }) {
  const server = serverUrl ?? globalThis.location?.origin;
  const pinned = version === undefined ? "" : `/versions/${segment(version, "version")}`;
  return new URL(`api/v1/models/${segment(model, "model")}${pinned}`, server.endsWith("/") ? server : `${server}/`);
}

/**
 * Run a call so that it rejects only with a PredictionError, whatever failed inside it (thrown at
 * once or later).
 * @template T @param {() => Promise<T>} call @returns {Promise<T>}
 */
async function own(call) {
  try {
    return await call();
  } catch (error) {
    throw asPredictionError(error);
  }
}

/**
 * @param {import("./backend.js").Backend} backend
 * @param {{name: string, version?: string}} model
 * @param {string | null} fallbackReason why auto mode did not use the browser
 * @returns {Predictor}
 */
function wrap(backend, model, fallbackReason) {
  return {
    /** Which backend answers the next call (a warm-up predictor switches to "browser"). */
    get backend() {
      return /** @type {"browser" | "server"} */ (backend.name);
    },
    model,
    get fallbackReason() {
      return fallbackReason ?? /** @type {{fallbackReason?: string}} */ (backend).fallbackReason ?? null;
    },
    predict: (rows) => own(() => backend.predict(rows)),
    /** Why each row's answer (explanation.js); rejects with `explanation_unavailable` and the reason for a model that cannot be explained. */
    explain: (rows) => own(() => backend.explain(rows)),
    predictColumns: (columns) => own(() => backend.predictColumns(columns)),
    scoreCsv: (text, options) => own(() => backend.scoreCsv(text, options)),
    /**
     * Rows (an array, as predict() takes) or a CSV file (a File, Blob or text, as scoreCsv() takes),
     * a chunk at a time (`chunkSize` rows, 5,000 unless given) in either mode. `onProgress` gets
     * {done, total, rowsPerSecond, secondsLeft} after each chunk, with rows also that chunk's own
     * `result` and its `start`; `signal` (an AbortSignal) stops between chunks and rejects with
     * `cancelled`. Rows answer as one predict() call would, errors included (rows numbered in the
     * whole batch); a file answers as scoreCsv() does.
     */
    predictBatch: (rowsOrFile, options) => own(() => (typeof rowsOrFile === "string" || rowsOrFile instanceof Blob
      ? /** @type {Promise<any>} */ (backend.scoreCsv(rowsOrFile, options))
      : predictInChunks((rows, at) => backend.predict(rows, at), rowsOrFile, options))),
    /** Drift telemetry (the `telemetry` option): what was sent, what waits, what was dropped; null when off. */
    get telemetry() {
      return backend.telemetry ?? null;
    },
    close: () => backend.close(),
  };
}
