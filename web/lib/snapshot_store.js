// Where this device keeps its snapshot of the ready interpreter (snapshot.js): Cache Storage,
// cache "snapshot-py-pipeline" (outside the service worker's "py-pipeline-<build>" caches, which
// it deletes on every update), three kinds of entry under one URL:
//   <url>.json     what the snapshot is: its key, sizes, sha256s, the libraries and the packages
//   <url>          Python's memory, its non-zero 64 KiB pages (26 of 41 MB, Pyodide 0.27.7)
//   <url>.lib/<i>  each shared library the snapshot had loaded (numpy's three, 4.6 MB)
// One snapshot per site: writing one deletes any other. A snapshot is keyed by the site's build
// and the sha256 of the runtime's files and wheels; one of another key, or whose bytes do not
// match their sha256, is deleted and never used.

export const CACHE = "snapshot-py-pipeline";

/** Python's memory is kept as its non-zero 64 KiB pages (about a quarter of it is zeros: free memory). */
const PAGE = 65536;

/** The files whose bytes the snapshot depends on: the interpreter and its loader, its standard library, the lock, the wheels. */
const DEPENDS_ON = /^pyodide\/(pyodide\.(asm\.wasm|asm\.js|mjs)|python_stdlib\.zip|pyodide-lock\.json|(numpy|py_pipeline)-[^/]*\.whl)$/;

/**
 * @typedef {{name: string, handles: number[], memoryBase: number, memorySize: number, tableBase: number,
 *   tableSize: number, sha256: string}} Library a shared library loaded before the snapshot, where it was loaded
 * @typedef {{key: string, sha256: string, size: number, pages: number[], libraries: Library[],
 *   packages: string[]}} SnapshotMeta `size`: the memory's bytes; `pages`: which of its
 *   64 KiB pages are kept (the others are zeros); `sha256`: of the kept pages, as stored
 * @typedef {{meta: SnapshotMeta, bytes: Uint8Array, libraries: Uint8Array[]}} Snapshot as made
 * @typedef {{meta: SnapshotMeta, bytes: Promise<Uint8Array>, compiled: Promise<WebAssembly.Module[]>,
 *   intact: Promise<boolean>}} SavedSnapshot as read: Python's memory, the libraries compiled, and
 *   whether every sha256 matched, each as it comes (a restore starts before they are all read)
 */

/** @param {URL} site the assets folder @returns {string} where its snapshot is kept */
export const snapshotUrl = (site) => new URL("pyodide/ready-interpreter.snapshot", site).href;

/**
 * The key a snapshot for this build must have, or null when there is none (no precache manifest,
 * or the runtime is not all in it: nothing to key on).
 * @param {any} manifest the site's precache manifest
 * @returns {string | null}
 */
export function snapshotKey(manifest) {
  if (!manifest?.build) return null;
  const files = (manifest.files ?? []).filter((/** @type {any} */ f) => DEPENDS_ON.test(f.url))
    .sort((/** @type {any} */ a, /** @type {any} */ b) => a.url.localeCompare(b.url));
  return files.length === 7 ? [manifest.build, ...files.map((/** @type {any} */ f) => f.sha256)].join(".") : null;
}

/**
 * This device's snapshot at `url` if it has `key` (one with another key is deleted), or why none.
 * Its bytes are read, compiled and checked against their sha256 while the caller goes on.
 * @param {string} url @param {Promise<string | null>} key
 * @returns {Promise<{saved: SavedSnapshot} | {missing: string, again?: false}>} `again`: false when
 *   none is to be made for this build (one failed to restore)
 */
export async function readSnapshot(url, key) {
  try {
    const cache = await caches.open(CACHE);
    const described = await cache.match(`${url}.json`);
    if (!described) return { missing: "none on this device yet" };
    /** @type {SnapshotMeta & {failed?: string}} */
    const meta = await described.json();
    if (meta.failed && meta.key === (await key)) return { missing: `one failed to restore here (${meta.failed})`, again: false };
    const read = async (/** @type {string} */ at) => new Uint8Array(await (await cache.match(at))?.arrayBuffer() ?? new ArrayBuffer(0));
    const stored = read(url); // from now: the key is known by the time it is read
    const bytes = stored.then((kept) => expand(kept, meta.pages, meta.size));
    bytes.catch(() => {});
    if (meta.key !== (await key)) {
      await caches.delete(CACHE);
      return { missing: "the one on this device is of another build" };
    }
    const libraryUrls = meta.libraries.map((_, i) => `${url}.lib/${i}`);
    // compiled by streaming from the cache: Chrome may keep their compiled code for the next visit
    const compiled = Promise.all(libraryUrls.map(async (at) => WebAssembly.compileStreaming(/** @type {Promise<Response>} */ (cache.match(at)))));
    const intact = Promise.all([stored, ...libraryUrls.map(read)]).then(async (all) => {
      const digests = await Promise.all(all.map(sha256));
      return digests[0] === meta.sha256 && meta.libraries.every((library, i) => library.sha256 === digests[i + 1]);
    });
    compiled.catch(() => {}); // a library that does not compile is damaged: `intact` says so
    return { saved: { meta, bytes, compiled, intact } };
  } catch (error) {
    return { missing: `Cache Storage unavailable (${/** @type {Error} */ (error)?.message ?? error})` };
  }
}

/**
 * Keep `snapshot` as this device's (the only one: any other is deleted first).
 * @param {string} url where (snapshotUrl) @param {Snapshot} snapshot
 * @returns {Promise<number>} the bytes kept
 */
export async function writeSnapshot(url, snapshot) {
  const { kept, pages } = compact(snapshot.bytes);
  const meta = { ...snapshot.meta, size: snapshot.bytes.length, pages, sha256: await sha256(kept) };
  await caches.delete(CACHE);
  const cache = await caches.open(CACHE);
  const put = (/** @type {string} */ at, /** @type {Uint8Array} */ bytes, /** @type {string} */ type) =>
    cache.put(at, new Response(/** @type {Uint8Array<ArrayBuffer>} */ (bytes), { headers: { "Content-Type": type } }));
  await put(url, kept, "application/octet-stream");
  await Promise.all(snapshot.libraries.map((bytes, i) => put(`${url}.lib/${i}`, bytes, "application/wasm")));
  // the description last: a snapshot whose writing stopped halfway has none, and is never read
  await put(`${url}.json`, new TextEncoder().encode(JSON.stringify(meta)), "application/json");
  return kept.length + snapshot.libraries.reduce((sum, bytes) => sum + bytes.length, 0);
}

/**
 * The non-zero 64 KiB pages of `bytes`, one after another, and which pages they are.
 * @param {Uint8Array} bytes @returns {{kept: Uint8Array, pages: number[]}}
 */
export function compact(bytes) {
  const pages = [];
  for (let p = 0; p * PAGE < bytes.length; p++) {
    if (!isZero(bytes.subarray(p * PAGE, (p + 1) * PAGE))) pages.push(p);
  }
  const kept = new Uint8Array(pages.reduce((n, p) => n + Math.min(PAGE, bytes.length - p * PAGE), 0));
  let at = 0;
  for (const p of pages) {
    const page = bytes.subarray(p * PAGE, (p + 1) * PAGE);
    kept.set(page, at);
    at += page.length;
  }
  return { kept, pages };
}

/**
 * `size` bytes again from `compact`'s kept pages (the others zeros).
 * @param {Uint8Array} kept @param {number[]} pages @param {number} size @returns {Uint8Array}
 */
export function expand(kept, pages, size) {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of pages) {
    const length = Math.min(PAGE, size - p * PAGE);
    bytes.set(kept.subarray(at, at + length), p * PAGE);
    at += length;
  }
  return bytes;
}

/** @param {Uint8Array} page @returns {boolean} whether every byte is 0 */
function isZero(page) {
  const words = page.byteOffset % 4 === 0 ? new Uint32Array(page.buffer, page.byteOffset, page.length >> 2) : new Uint32Array(0);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  for (let i = words.length * 4; i < page.length; i++) if (page[i] !== 0) return false;
  return true;
}

/**
 * Delete this device's snapshot after it failed to restore, and remember that for this build: no
 * other is made until the next update (a failure that would come back every other visit).
 * @param {string} url @param {string} key @param {string} why
 */
export async function forgetSnapshot(url, key, why) {
  await caches.delete(CACHE);
  const cache = await caches.open(CACHE);
  await cache.put(`${url}.json`, new Response(JSON.stringify({ key, failed: why }), { headers: { "Content-Type": "application/json" } }));
}

/** @param {Uint8Array} bytes @returns {Promise<string>} their sha256, in hex */
export async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", /** @type {Uint8Array<ArrayBuffer>} */ (bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
