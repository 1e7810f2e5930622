// What <model-predictor> watches over its life on a page: whether the server it needs is there,
// and what the page's Content-Security-Policy blocked (said in the page, not only the console).
import { ErrorCode, serverManifestUrl } from "../predictor.js";

/** What a page says when the model needs a server it cannot reach: never a URL or a status. */
export const SERVER_MISSING = "This model needs the prediction server, which can't be reached.";
export const SERVER_FAULTS = new Set([ErrorCode.SERVER_UNREACHABLE, ErrorCode.SERVER_TIMEOUT, ErrorCode.SERVER_ERROR]);

/**
 * Does the fallback server serve this model (its manifest from the API, as JSON; the API answers
 * CORS, so a server on another origin counts)? False offline, and on a static host with no
 * server, where the route is a 404 page.
 * @param {{model: string, version?: string, serverUrl?: string}} options
 */
export async function serverReachable({ model, version, serverUrl }) {
  try {
    const response = await fetch(serverManifestUrl({ model, version, serverUrl }),
      { signal: AbortSignal.timeout(3000), cache: "no-store" });
    return response.ok && Boolean((await response.json()).name);
  } catch {
    return false;
  }
}

/** What the page's Content-Security-Policy blocked, for every element to show. */
const blocked = new Set();
/** @type {Set<{showPolicy: () => void}>} */
export const elements = new Set();
if (typeof ReportingObserver === "function") {
  // buffered: reports from before this module loaded too (an inline script blocked earlier)
  new ReportingObserver((reports) => {
    for (const report of reports) {
      const body = /** @type {any} */ (report.body);
      const inline = `inline ${body.effectiveDirective?.startsWith("style") ? "style" : "script"}`;
      blocked.add(`${/^https?:/.test(body.blockedURL ?? "") ? body.blockedURL : inline} (${body.effectiveDirective})`);
    }
    for (const element of elements) element.showPolicy();
  }, { types: ["csp-violation"], buffered: true }).observe();
}

/**
 * Say in `box` what the page's policy blocked (hidden when nothing was).
 * @param {HTMLElement} box
 */
export function showBlocked(box) {
  box.hidden = blocked.size === 0;
  box.textContent = blocked.size ? `This page's Content-Security-Policy blocked ${[...blocked].join(", ")}. `
    + "Scripts must be files of the site (no inline code); see the README's CSP section." : "";
}
