// Server-first warm-up (opt-in): in auto mode, calls go to the server while the browser runtime
// loads, then to the browser once it is up. Off by default: it sends the first rows to the
// server, and a page may have promised that no data leaves the device.
//
// Every call is answered once, by one backend (its result says which), and results resolve in
// the order the calls were made, even when a quick browser answer overtakes a server call still
// in flight. With no server (a static host) calls wait for the browser, as without warm-up.
import { ErrorCode } from "./errors.js";

/** @typedef {import("./browser_backend.js").BrowserBackend} BrowserBackend */
/** @typedef {import("./server_backend.js").ServerBackend} ServerBackend */

/** Server errors that mean "no prediction server here", not "your rows are wrong". */
const NO_SERVER = new Set([ErrorCode.SERVER_UNREACHABLE, ErrorCode.SERVER_ERROR, ErrorCode.SERVER_TIMEOUT]);

/** @typedef {import("./backend.js").Backend} Backend */

/** @implements {Backend} */
export class WarmupBackend {
  #server;
  #starting;
  /** @type {import("./backend.js").Backend | null} */
  #browser = null;
  #serverDown = false;
  #closed = false;
  /** @type {Promise<unknown>} settles when the latest call has */
  #tail = Promise.resolve();
  /** @type {string | null} */
  fallbackReason = null;

  /**
   * @param {ServerBackend} server
   * @param {Promise<import("./backend.js").Backend>} browserStart the browser backend, starting
   */
  constructor(server, browserStart) {
    this.#server = server;
    this.#starting = browserStart;
    browserStart.then((browser) => {
      if (this.#closed) browser.close();
      else this.#browser = browser;
    }, (error) => {
      this.fallbackReason = `the browser runtime failed to start: ${error.message}`;
    });
  }

  /** The backend that answers the next call. */
  get name() {
    return this.#browser ? "browser" : "server";
  }

  /** The browser backend's drift telemetry, once it answers (the server counts what it answers itself). */
  get telemetry() {
    return this.#browser?.telemetry ?? null;
  }

  /** @param {unknown[]} rows @param {import("./server_backend.js").PredictOptions} [options] */
  predict(rows, options) {
    return this.#inOrder(this.#route((backend) => backend.predict(rows, options)));
  }

  /** @param {unknown[]} rows @param {import("./server_backend.js").PredictOptions} [options] */
  explain(rows, options) {
    return this.#inOrder(this.#route((backend) => backend.explain(rows, options)));
  }

  /** @param {import("./columns.js").Columns} columns */
  predictColumns(columns) {
    return this.#inOrder(this.#route((backend) => backend.predictColumns(columns)));
  }

  /** @param {string | Blob} text @param {import("./backend.js").ScoreOptions} [options] */
  scoreCsv(text, options) {
    return this.#inOrder(this.#route((backend) => backend.scoreCsv(text, options)));
  }

  /** @template T @param {(backend: Backend) => Promise<T>} call */
  async #route(call) {
    if (this.#browser) return call(this.#browser);
    if (!this.#serverDown) {
      try {
        return await call(this.#server);
      } catch (error) {
        if (!NO_SERVER.has(error?.code)) throw error; // the server's verdict on the rows stands
        this.#serverDown = true;
      }
    }
    return call(await this.#starting); // no server: the browser answers once it is up
  }

  /** @template T @param {Promise<T>} answer @returns {Promise<T>} */
  #inOrder(answer) {
    answer.catch(() => {}); // handled below, once the calls before it have settled
    const settled = this.#tail.then(() => answer);
    this.#tail = settled.catch(() => {});
    return settled;
  }

  close() {
    this.#closed = true;
    this.#browser?.close();
    this.#browser = null;
  }
}
