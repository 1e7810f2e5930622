// Makes this device's snapshot of the ready interpreter (snapshot.js), once, in a worker of its
// own so that the page's runtime keeps answering: Python started bare with numpy and py_pipeline
// imported, kept in Cache Storage (snapshot_store.js). Answers what it did, and is ended. One tab
// at a time makes it (a Web Lock); another that finds the lock taken leaves it to that one.
import { makeSnapshot } from "./snapshot.js";
import { snapshotKey, snapshotUrl, writeSnapshot } from "./snapshot_store.js";

/** @param {URL} site @returns {Promise<{snapshot: string, message: string}>} */
async function make(site) {
  const manifest = await (await fetch(new URL("precache-manifest.json", site))).json();
  const key = snapshotKey(manifest);
  if (!key) throw new Error("this host publishes no precache manifest");
  const snapshot = await makeSnapshot(new URL("pyodide/", site).href);
  snapshot.meta.key = key;
  const size = await writeSnapshot(snapshotUrl(site), snapshot);
  return { snapshot: "made", message: `A snapshot of Python (${(size / 1e6).toFixed(1)} MB) is kept on this device`
    + (snapshot.skipped.length ? `; not in it: ${snapshot.skipped.join(", ")}` : "") };
}

self.addEventListener("message", async (event) => {
  let answer;
  try {
    const site = new URL(event.data.assets);
    answer = await navigator.locks.request("snapshot-py-pipeline", { ifAvailable: true },
      async (lock) => (lock ? make(site) : { snapshot: "not made: another tab is making it", message: "" }));
  } catch (error) {
    answer = { snapshot: `not made: ${/** @type {Error} */ (error)?.message ?? error}`, message: "" };
  }
  self.postMessage(answer);
});
