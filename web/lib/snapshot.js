// A memory snapshot of the ready interpreter, with numpy and py_pipeline imported, made on this
// device after a first visit and restored on later ones instead of starting Python, installing
// the wheels and importing them (about 2 s of CPU).
//
// Pyodide 0.27's snapshot options are private (`_makeSnapshot`, `makeMemorySnapshot`,
// `_loadSnapshot`) and refuse a snapshot after `loadPackage` (its issue 5195: the JS objects
// loadPackage leaves behind). So the maker starts Python bare, writes the wheels' files into
// site-packages itself and imports them: numpy's extension modules are then loaded by dlopen,
// which keeps where each shared library sits (memory base, table base) in Python's memory. A
// restore places the same libraries, compiled, at the same bases in the same order before
// Pyodide copies the memory back (as Cloudflare's Python Workers do), so that every function
// pointer in that memory is right again. Every step is checked; any failure means a normal start.
import { CACHE, forgetSnapshot, readSnapshot, sha256, snapshotKey, snapshotUrl } from "./snapshot_store.js";

/** What the snapshot imports (and the restored runtime then counts as loaded). */
const PACKAGES = ["numpy", "py-pipeline"];
/** What a restored runtime reports as the packages' channel. */
const RESTORED = "restored from this device's snapshot";

/** How long the page's runtime must have had no request before the snapshot is made (making it takes a core for about 3 s). */
const QUIET_MS = 2000;

/**
 * Python for the page: restored from this device's snapshot when there is a usable one, started
 * as usual otherwise (then the snapshot for the next visit is made, by snapshot_worker.js).
 * @param {{site: URL, manifest: Promise<any>, enabled: boolean,
 *   normalStart: (pyodide: {loadPyodide: (options: object) => Promise<any>}, indexURL: string) => Promise<any>,
 *   onMade: (made: {snapshot: string, message: string}) => void, quietFor: () => number}} how
 *   `site`: the assets folder; `manifest`: its precache manifest (null without one); `enabled`: false
 *   when the page keeps no snapshot (configureRuntime); `onMade`: told when the snapshot is made, or
 *   why not; `quietFor`: how long the page's runtime has had no request (0 while it answers one), in ms
 * @returns {Promise<{pyodide: any, snapshot: string}>} `snapshot`: restored, or why Python started as usual
 */
export async function startPython({ site, manifest, enabled, normalStart, onMade, quietFor }) {
  const indexURL = new URL("pyodide/", site).href;
  const loader = import(/* @vite-ignore */ /* webpackIgnore: true */ `${indexURL}pyodide.mjs`);
  if (!enabled) {
    await globalThis.caches?.delete(CACHE).catch(() => {}); // none kept on this device
    return { pyodide: await normalStart(await loader, indexURL),
      snapshot: "no snapshot: turned off on this page (configureRuntime({snapshot: false}))" };
  }
  const key = manifest.then(snapshotKey);
  // read while the manifest comes: its key decides whether the snapshot is used
  /** @type {{saved: import("./snapshot_store.js").SavedSnapshot} | {missing: string, again?: false}} */
  let found = globalThis.caches ? await readSnapshot(snapshotUrl(site), key) : { missing: "no Cache Storage here" };
  let how = "missing" in found ? `no snapshot: ${found.missing}` : RESTORED;
  if ("saved" in found) {
    try {
      return { pyodide: await restoreSnapshot(indexURL, (await loader).loadPyodide, found.saved), snapshot: how };
    } catch (error) {
      const why = /** @type {Error} */ (error)?.message ?? String(error);
      if (error instanceof Damaged) { // storage that changed under it: made again below
        how = "no snapshot: the one on this device is damaged";
        await caches.delete(CACHE).catch(() => {});
      } else { // a failure that would come back: none again for this build
        how = `the snapshot failed to restore (${why}): a normal start`;
        await forgetSnapshot(snapshotUrl(site), found.saved.meta.key, why).catch(() => {});
        found = { missing: how, again: false };
      }
    }
  }
  const pyodide = await normalStart(await loader, indexURL);
  if (!(await key)) {
    return { pyodide, snapshot: `no snapshot: ${(await manifest) ? "the site's precache manifest does not list the runtime's files"
      : "this host publishes no precache manifest"}` };
  }
  if (globalThis.caches && !("again" in found)) {
    const makeWhenQuiet = () => (quietFor() < QUIET_MS ? setTimeout(makeWhenQuiet, QUIET_MS / 4) : makeInAnotherWorker(site, onMade));
    setTimeout(makeWhenQuiet, QUIET_MS);
  }
  return { pyodide, snapshot: how };
}

/**
 * Have snapshot_worker.js make the snapshot (its CPU on another core, the page's runtime answering).
 * @param {URL} site @param {(made: {snapshot: string, message: string}) => void} onMade
 */
function makeInAnotherWorker(site, onMade) {
  try {
    const maker = new Worker(new URL("./snapshot_worker.js", import.meta.url), { type: "module" });
    maker.addEventListener("message", (event) => {
      onMade(event.data);
      maker.terminate();
    });
    maker.addEventListener("error", (event) => {
      onMade({ snapshot: `not made: ${event.message ?? "its worker failed"}`, message: "" });
      maker.terminate();
    });
    maker.postMessage({ assets: site.href });
  } catch (error) {
    onMade({ snapshot: `not made: no worker here (${/** @type {Error} */ (error)?.message ?? error})`, message: "" });
  }
}

/**
 * Start Python bare, install numpy and py_pipeline, import them, and take the snapshot.
 * @param {string} indexURL the runtime's folder
 * @returns {Promise<import("./snapshot_store.js").Snapshot & {skipped: string[]}>}
 */
export async function makeSnapshot(indexURL) {
  const { loadPyodide } = await import(/* @vite-ignore */ /* webpackIgnore: true */ `${indexURL}pyodide.mjs`);
  const [pyodide, lock] = await Promise.all([loadPyodide({ indexURL, _makeSnapshot: true }),
    fetch(new URL("pyodide-lock.json", indexURL)).then((r) => r.json())]);
  const wheels = PACKAGES.map((name) => new URL(lock.packages[name].file_name, indexURL).href);
  for (const [i, url] of wheels.entries()) {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    if ((await sha256(bytes)) !== lock.packages[PACKAGES[i]].sha256) throw new Error(`${url} does not match the lock's sha256`);
    pyodide.FS.writeFile(`/tmp/snapshot-${i}.whl`, bytes);
  }
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  const skipped = pyodide.runPython(`
import os, zipfile
top_level = {}
for i, name in enumerate(${JSON.stringify(wheels.map((url) => url.split("/").pop()))}):
    with zipfile.ZipFile(f"/tmp/snapshot-{i}.whl") as archive:
        archive.extractall(${JSON.stringify(sitePackages)})
        top_level[name] = sorted({n.split("/")[0] for n in archive.namelist() if "/" in n and ".dist-info/" not in n})
    os.remove(f"/tmp/snapshot-{i}.whl")
import py_pipeline.snapshot_files
import pyodide._package_loader, tarfile  # what loadPackage runs: a model's packages install without imports
"\\n".join(py_pipeline.snapshot_files.prepare(${JSON.stringify(sitePackages)}, top_level))`).split("\n").filter(Boolean);
  const libraries = placedLibraries(pyodide._module);
  const bytes = pyodide.makeMemorySnapshot();
  const libraryBytes = libraries.map((library) => pyodide.FS.readFile(library.name));
  const digests = await Promise.all(libraryBytes.map(sha256));
  return {
    meta: { key: "", sha256: "", size: bytes.length, pages: [], packages: PACKAGES, // (the store's)
      libraries: libraries.map((library, i) => ({ ...library, sha256: digests[i] })) },
    bytes, libraries: libraryBytes, skipped,
  };
}

/**
 * Where each shared library the interpreter loaded sits, in load order (dlopen keeps it in the
 * library's handle, in Python's memory: memory base at +12, table base at +20).
 * @param {any} Module Pyodide's Emscripten module
 * @returns {Omit<import("./snapshot_store.js").Library, "sha256">[]}
 */
function placedLibraries(Module) {
  const byHandle = Object.entries(Module.LDSO.loadedLibsByHandle);
  return Object.entries(Module.LDSO.loadedLibsByName).filter(([name]) => name !== "__main__").map(([name, dso]) => {
    const handles = byHandle.filter(([handle, other]) => other === dso && Number(handle) !== 0).map(([h]) => Number(h));
    const [handle] = handles;
    if (handle === undefined || !Module.HEAP8[handle + 8] || dso.global) {
      throw new Error(`${name} was not loaded by dlopen, locally: it cannot be placed again`);
    }
    const u32 = Module.HEAPU32;
    return { name, handles, memoryBase: u32[(handle + 12) >> 2], memorySize: u32[(handle + 16) >> 2],
      tableBase: u32[(handle + 20) >> 2], tableSize: u32[(handle + 24) >> 2] };
  });
}

/**
 * Restore `saved`: Python ready with numpy and py_pipeline imported. Throws if anything does not
 * match (the caller then starts Python as usual, in a fresh runtime).
 * @param {string} indexURL @param {(options: object) => Promise<any>} loadPyodide
 * @param {import("./snapshot_store.js").SavedSnapshot} saved
 */
export async function restoreSnapshot(indexURL, loadPyodide, saved) {
  // the interpreter compiles while the snapshot is read (Pyodide would only start once it is)
  const wasm = WebAssembly.compileStreaming(fetch(`${indexURL}pyodide.asm.wasm`));
  wasm.catch(() => {}); // then Pyodide's own instantiation, below
  // Pyodide's loader imports this only when it has not been: the wrapper below is used instead
  await import(/* @vite-ignore */ /* webpackIgnore: true */ `${indexURL}pyodide.asm.js`);
  const global = /** @type {any} */ (globalThis);
  const create = global._createPyodideModule;
  /** @type {any} */
  let Module;
  global._createPyodideModule = async (/** @type {any} */ config) => {
    const instantiate = config.instantiateWasm;
    config.instantiateWasm = (/** @type {any} */ imports, /** @type {Function} */ receive) => {
      wasm.then(async (module) => receive(await WebAssembly.instantiate(module, imports), module))
        .catch(() => instantiate(imports, receive));
      return {};
    };
    Module = await create(config);
    if (!(await saved.intact)) throw new Damaged("the snapshot does not match its sha256");
    placeLibraries(Module, saved.meta.libraries, await saved.compiled);
    return Module; // Pyodide then copies the snapshot's memory over it
  };
  let pyodide;
  try {
    pyodide = await loadPyodide({ indexURL, _loadSnapshot: saved.bytes });
  } finally {
    global._createPyodideModule = create;
  }
  for (const library of saved.meta.libraries) {
    for (const handle of library.handles) Module.LDSO.loadedLibsByHandle[handle] = Module.LDSO.loadedLibsByName[library.name];
  }
  for (const name of saved.meta.packages) pyodide.loadedPackages[name] = RESTORED; // never installed again
  // numpy's libraries called through the restored memory's function pointers, before any model is:
  // a library placed wrong fails here (a normal start then), not in the first prediction
  pyodide.runPython("import numpy as np\nassert abs(float(np.linalg.det(np.eye(3) * 2)) - 8) < 1e-9 and float(np.sqrt(np.arange(5.)).sum()) > 6");
  const files = pyodide.pyimport("py_pipeline.snapshot_files");
  files.serve(indexURL);
  files.destroy();
  return pyodide;
}

/** A snapshot whose bytes do not match their sha256. */
class Damaged extends Error {}

/**
 * Load each library, compiled, at the memory and table base it had when the snapshot was taken
 * (a scratch handle at the top of memory says where: the restored memory overwrites it).
 * @param {any} Module @param {import("./snapshot_store.js").Library[]} libraries @param {WebAssembly.Module[]} modules
 */
function placeLibraries(Module, libraries, modules) {
  const scratch = Module.HEAP8.length - 64;
  libraries.forEach((library, i) => {
    if (library.tableSize && Module.wasmTable.length !== library.tableBase) {
      throw new Error(`${library.name}: its functions would sit at ${Module.wasmTable.length}, not ${library.tableBase}`);
    }
    Module.HEAP8[scratch + 8] = 1; // "allocated": use the bases below
    Module.HEAPU32[(scratch + 12) >> 2] = library.memoryBase;
    Module.HEAPU32[(scratch + 16) >> 2] = library.memorySize;
    Module.HEAPU32[(scratch + 20) >> 2] = library.tableBase;
    Module.HEAPU32[(scratch + 24) >> 2] = library.tableSize;
    const dso = Module.newDSO(library.name, undefined, "loading");
    dso.global = false;
    dso.exports = Module.loadWebAssemblyModule(modules[i], { loadAsync: false, nodelete: true, allowUndefined: true },
      library.name, {}, scratch);
  });
  Module.HEAP8.fill(0, scratch, scratch + 64); // should the snapshot be shorter: memory beyond it stays zero
}
