// Offline support for any page that uses the client library: registers the site's service
// worker, reports when a new build is ready, and applies it with one reload.

/**
 * @typedef {{
 *   registration: ServiceWorkerRegistration,
 *   applyUpdate: () => void,
 *   checkForUpdate: () => Promise<unknown>,
 * }} Offline
 */

/**
 * Register `sw.js` (at the site root, beside `lib/`). Resolves to null where service workers
 * are unavailable (insecure origin, old browser); prediction still works online then.
 * Call it once the first predictor is ready: the worker then precaches from the HTTP cache
 * instead of downloading the runtime a second time.
 * @param {{onUpdateReady?: (applyUpdate: () => void) => void, onProblem?: (message: string) => void,
 *   onRestored?: (message: string) => void, checkEveryMs?: number, assetsUrl?: string | URL}} [options]
 *   `assetsUrl`: the assets folder that holds sw.js (default: the folder above this module).
 *   `onProblem`: the site could not be saved for offline use, or its saved copy is incomplete and
 *   cannot be restored now (no storage left, offline); the message says so in words and what to do.
 *   `onRestored`: a saved copy that storage clearing had damaged was restored.
 * @returns {Promise<Offline | null>}
 */
export async function registerOffline({ onUpdateReady, onProblem, onRestored, checkEveryMs = 15 * 60_000,
  assetsUrl } = {}) {
  if (!("serviceWorker" in navigator)) return null;
  // before registering: an install that fails says so at once, to a page it does not control yet
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "offline-problem") onProblem?.(event.data.message);
    if (event.data?.type === "offline-restored") onRestored?.(event.data.message);
  });
  navigator.serviceWorker.startMessages();
  // a problem told before this page listened (a file found missing while it loaded): ask for it
  navigator.serviceWorker.controller?.postMessage({ type: "offline-status" });
  const registration = await navigator.serviceWorker.register(new URL("sw.js", assetsUrl ?? new URL("../", import.meta.url)));

  const applyUpdate = () => {
    if (!registration.waiting) return;
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
    registration.waiting.postMessage({ type: "skip-waiting" });
  };
  // Only an update when a previous build controls the page; the first install is not one.
  const announce = () => {
    if (registration.waiting && navigator.serviceWorker.controller) onUpdateReady?.(applyUpdate);
  };
  const watch = (worker) => worker?.addEventListener("statechange", () => {
    if (worker.state === "installed") announce();
  });
  announce();
  watch(registration.installing);
  registration.addEventListener("updatefound", () => watch(registration.installing));

  const checkForUpdate = () => registration.update().catch(() => {});
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "update-available") checkForUpdate();
  });
  addEventListener("online", checkForUpdate);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") checkForUpdate();
  });
  setInterval(checkForUpdate, checkEveryMs);
  return { registration, applyUpdate, checkForUpdate };
}

/**
 * Call `onChange(online)` now and whenever the browser goes on- or offline.
 * @param {(online: boolean) => void} onChange
 */
export function watchConnectivity(onChange) {
  const report = () => onChange(navigator.onLine);
  addEventListener("online", report);
  addEventListener("offline", report);
  report();
}
