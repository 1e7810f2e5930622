// Service worker: offline browser prediction. A short hand-written worker rather than
// Workbox: it needs four things Workbox would have to be configured into anyway (a build-
// stamped cache, sha256-checked precaching so two builds never mix, a build-aware
// network-first index, pass-through for the API), and it stays readable without a bundler.
//
// The build stamps BUILD and writes precache-manifest.json (every file browser prediction
// needs, with its sha256). Install fetches them all, checks each hash, and fails (keeping
// the old build) if any file is missing or from another build.

const BUILD = "__BUILD__";
const CACHE = `py-pipeline-${BUILD}`;
const SCOPE = new URL("./", self.location.href);
const INDEX = new URL("models/index.json", SCOPE).href;
const INDEX_TIMEOUT_MS = 3000;

/** Lowercase hex sha256 of a buffer. */
async function sha256(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fetch every file of this build, check its hash, store it; any mismatch fails the install. */
async function precache() {
  const response = await fetch(new URL(`precache-manifest.json?build=${BUILD}`, SCOPE), { cache: "no-store" });
  const manifest = await response.json();
  if (manifest.build !== BUILD) throw new Error(`precache manifest is from build ${manifest.build}, not ${BUILD}`);
  const cache = await caches.open(CACHE);
  const queue = [...manifest.files];
  const workers = [next(), next(), next(), next()];
  try {
    await Promise.all(workers);
  } catch (error) {
    queue.length = 0; // a failed install keeps nothing of this build
    await Promise.allSettled(workers);
    await caches.delete(CACHE);
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

/** Cache-first: this build's copy, else the network. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  const key = request.mode === "navigate" && url.pathname.endsWith("/") ? new URL("index.html", url).href : request;
  const cached = await cache.match(key, { ignoreSearch: true });
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch {
    return offlineResponse(request.url);
  }
}

/** Network-first with a short timeout, but only ever this build's index: a newer build's
 * index would name files this build does not have. Seeing one means an update is out. */
async function indexNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(INDEX);
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
  return cached ?? offlineResponse(request.url);
}

function offlineResponse(url) {
  return new Response(JSON.stringify({ error: { code: "offline", message: `${url} is not available offline`, details: [] } }),
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
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("py-pipeline-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  if (event.data?.type === "build") event.ports[0]?.postMessage({ build: BUILD });
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
  event.respondWith(url === INDEX ? indexNetworkFirst(event.request) : cacheFirst(event.request));
});
