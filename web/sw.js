// Service worker: offline browser prediction. A short hand-written worker rather than
// Workbox: it needs four things Workbox would have to be configured into anyway (a build-
// stamped cache, sha256-checked precaching so two builds never mix, a build-aware
// network-first index, pass-through for the API), and it stays readable without a bundler.
//
// The build stamps BUILD and writes precache-manifest.json (every file browser prediction
// needs, with its sha256). Install fetches its `files`, checks each hash, and fails (keeping
// the old build) if any file is missing or from another build; its `on_demand` files (what only
// some models need: scikit-learn, scipy, pandas, pickles) are stored when a page first fetches them.
//
// The cache repairs itself: storage the browser or the user cleared, in part or whole, is found
// missing on the next request (or start) and fetched again, hash-checked, while online. What
// cannot be repaired (offline, no room) is told to the page in words ({type: "offline-problem",
// message}), and a request for a file that is gone answers in words too, never raw JSON.

const BUILD = "__BUILD__";
const CACHE = `py-pipeline-${BUILD}`;
const SCOPE = new URL("./", self.location.href);
const INDEX = new URL("models/index.json", SCOPE).href;
const INDEX_TIMEOUT_MS = 3000;
const MANIFEST = new URL("precache-manifest.json", SCOPE).href;

/** Lowercase hex sha256 of a buffer. */
async function sha256(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** This build's precache manifest: the cached copy, else the network's (which must be this build's). */
async function precacheManifest(cache) {
  const cached = await cache.match(MANIFEST);
  if (cached) return cached.json();
  const response = await fetch(`${MANIFEST}?build=${BUILD}`, { cache: "no-store" });
  if (!response.ok) throw new Error(`precache-manifest.json answered ${response.status}`);
  const manifest = await response.json();
  if (manifest.build !== BUILD) {
    self.registration.update().catch(() => {}); // a newer build is out: it will install itself
    throw new Error(`precache manifest is from build ${manifest.build}, not ${BUILD}`);
  }
  await cache.put(MANIFEST, new Response(JSON.stringify(manifest), { headers: { "Content-Type": "application/json" } }));
  return manifest;
}

/** Fetch every file of this build, check its hash, store it; any mismatch fails the install. */
async function precache() {
  const cache = await caches.open(CACHE);
  try {
    await store(cache, (await precacheManifest(cache)).files);
  } catch (error) {
    await caches.delete(CACHE); // a failed install keeps nothing of this build
    throw error;
  }
}

/** Fetch `entries` ({url, sha256}) four at a time, check each hash, put each in `cache`. */
async function store(cache, entries) {
  const queue = [...entries];
  const workers = [next(), next(), next(), next()];
  try {
    await Promise.all(workers);
  } catch (error) {
    queue.length = 0;
    await Promise.allSettled(workers);
    throw error;
  }
  async function next() {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const url = new URL(entry.url, SCOPE).href;
      // The HTTP cache first (the page has usually just downloaded these files): the hash
      // check makes that safe. A copy from another build is fetched again past the cache.
      let fresh, body, digest;
      for (const mode of ["default", "reload"]) {
        fresh = await fetch(url, { cache: mode });
        if (!fresh.ok) throw new Error(`${entry.url} answered ${fresh.status}`);
        body = await fresh.arrayBuffer();
        digest = await sha256(body);
        if (digest === entry.sha256) break;
      }
      if (digest !== entry.sha256) throw new Error(`${entry.url} is not from build ${BUILD} (sha256 ${digest})`);
      // A fresh Response: hosts that redirect (say /index.html to /) would leave a "redirected"
      // flag that browsers refuse for navigations.
      // The body is decoded: drop the encoding headers that described the bytes on the wire.
      const headers = new Headers(fresh.headers);
      headers.delete("Content-Encoding");
      headers.delete("Content-Length");
      await cache.put(url, new Response(body, { status: fresh.status, statusText: fresh.statusText, headers }));
    }
  }
}

/** The precache manifest's on-demand entry for `url`, if it names one. */
async function onDemandEntry(cache, url) {
  try {
    const manifest = await precacheManifest(cache);
    const path = url.href.split("?")[0];
    return (manifest.on_demand ?? []).find((entry) => new URL(entry.url, SCOPE).href === path);
  } catch {
    return undefined;
  }
}

/** Put back every file of this build that is missing from the cache (cleared storage). */
async function repair() {
  const cache = await caches.open(CACHE);
  const manifest = await precacheManifest(cache);
  const have = new Set((await cache.keys()).map((request) => request.url));
  const missing = manifest.files.filter((entry) => !have.has(new URL(entry.url, SCOPE).href));
  if (missing.length) await store(cache, missing);
  return missing.length;
}

let repairing = null;
/** One repair at a time; a failure is told to the pages, and the next request tries again. */
function repairSoon() {
  repairing ??= repair().then((restored) => {
    if (restored) tell({ type: "offline-restored", files: restored, message: `Restored ${restored} missing files for offline use.` });
  }, (error) => tell({ type: "offline-problem", message: explain(error, "The saved copy for offline use is incomplete") }))
    .finally(() => { repairing = null; });
  return repairing;
}

/** A storage or network failure in words a person can act on. */
function explain(error, what) {
  if (error?.name === "QuotaExceededError") {
    return `${what}: this browser did not give the site enough storage. Free some space (or allow more storage for `
      + "this site), then reload while online.";
  }
  if (!self.navigator.onLine || error instanceof TypeError) {
    return `${what}, and it cannot be restored while offline. Connect to the internet once and it is restored.`;
  }
  return `${what}: ${error?.message ?? error}`;
}

/** The problem told last, until a repair succeeds: a page that starts listening later asks for it. */
let problem = null;

/** Post a message to every page of this site, controlled or not (an install has none yet). */
async function tell(message) {
  problem = message.type === "offline-problem" ? message : null;
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) client.postMessage(message);
}

/** Cache-first: this build's copy, else the network. A file kept on demand (scikit-learn, scipy,
 * pandas, pickles: only some models need them) is stored, hash-checked, the first time a page
 * fetches it; every visitor pays only for the models they open. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  const key = request.mode === "navigate" && url.pathname.endsWith("/") ? new URL("index.html", url).href : request;
  const cached = await cache.match(key, { ignoreSearch: true });
  if (cached) return cached;
  const wanted = await onDemandEntry(cache, url);
  if (wanted) {
    try {
      await store(cache, [wanted]);
      return await cache.match(key, { ignoreSearch: true });
    } catch {
      // offline, another build's file, or no room: the network (or the offline answer) below
    }
  }
  repairSoon(); // a file of this build may be missing: storage was cleared
  try {
    return await fetch(request);
  } catch {
    return offlineResponse(request);
  }
}

/** Network-first with a short timeout, but only ever this build's index: a newer build's
 * index would name files this build does not have. Seeing one means an update is out. */
async function indexNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(INDEX);
  if (!cached) repairSoon(); // storage was cleared
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), INDEX_TIMEOUT_MS);
    const fresh = await fetch(request, { cache: "no-store", signal: controller.signal });
    clearTimeout(timer);
    if (fresh.ok) {
      const body = await fresh.clone().json();
      if (body.build === BUILD) return fresh;
      announceUpdate(body.build);
    }
  } catch {
    // offline or slow: this build's copy below
  }
  return cached ?? offlineResponse(request);
}

/** What answers a request for a file that is neither saved nor reachable: words, as a page (for
 * a navigation) or as the API's JSON error (for the client library, which shows the message). */
function offlineResponse(request) {
  const path = new URL(request.url).pathname;
  const message = `${path} is not saved on this device for offline use (the browser's storage for this site was `
    + "cleared or is full), and the network cannot be reached. Connect to the internet once and it is restored.";
  if (request.mode === "navigate") {
    const page = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">`
      + `<title>Not available offline</title><h1>Not available offline</h1><p>${message.replace(/[<&]/g, "")}</p>`;
    return new Response(page, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
  return new Response(JSON.stringify({ error: { code: "offline", message, details: [] } }),
    { status: 503, headers: { "Content-Type": "application/json" } });
}

async function announceUpdate(build) {
  self.registration.update().catch(() => {});
  for (const client of await self.clients.matchAll()) client.postMessage({ type: "update-available", build });
}

/** Which requests this worker answers: GETs for this site's own files. The API is never cached. */
function handles(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  return url.origin === SCOPE.origin && url.pathname.startsWith(SCOPE.pathname) && !url.pathname.includes("/api/");
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().catch(async (error) => {
    await tell({ type: "offline-problem", message: explain(error, "This site could not be saved for offline use") });
    throw error; // the old build, if any, stays in charge
  }));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("py-pipeline-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
    await repairSoon();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  if (event.data?.type === "build") event.ports[0]?.postMessage({ build: BUILD });
  if (event.data?.type === "offline-status" && problem) event.source?.postMessage(problem);
});

self.addEventListener("fetch", (event) => {
  if (!handles(event.request)) return;
  const url = event.request.url.split("?")[0];
  // Online, WebAssembly goes past this worker to the HTTP cache: Chrome keeps the compiled code of
  // a streaming-compiled module only with an HTTP-cache entry, and a response from Cache Storage
  // loses it (measured by bench/page_ready.py: second visit 2.2 s this way, 2.9-3.1 s through
  // Cache Storage). Offline it comes from this build's cache as everything else does. Pyodide's
  // wasm changes only with its version, which changes the lock and so the build.
  if (url.endsWith(".wasm") && self.navigator.onLine) return;
  const response = url === INDEX ? indexNetworkFirst(event.request) : cacheFirst(event.request);
  event.respondWith(response);
  // a repair the request started finishes even if the page goes away
  event.waitUntil(response.then(() => repairing, () => repairing));
});
