"""Chromium pages against the built site: Debian's Chromium (``build_scripts/chromium.py``), a
visit that records every request, predictors run in the page, a plain static host, and the
service worker's build."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

from build_scripts.chromium import NO_WASM, launch

__all__ = ["LOAD_TIMEOUT_MS", "NO_WASM", "RECORD_START", "RUN_PREDICTORS", "PlainStaticHost", "Visit", "launch",
           "release", "site_build", "switch", "wait_for_snapshot", "wait_until_controlled"]

LOAD_TIMEOUT_MS = 120_000

# Runs in the page: one predictor per job, each predicting its row sets; results and errors.
# Every predictor stays open until all jobs are done, then all are closed.
RUN_PREDICTORS = """
async (jobs) => {
  const { createPredictor } = await import("./lib/predictor.js");
  const out = [];
  const open = [];
  for (const { options, rowSets } of jobs) {
    let predictor;
    try {
      predictor = await createPredictor(options);
    } catch (e) {
      out.push({ created: false, error: { name: e.name, code: e.code, message: e.message } });
      continue;
    }
    const answers = [];
    for (const rows of rowSets) {
      try {
        answers.push({ ok: true, result: await predictor.predict(rows) });
      } catch (e) {
        const error = { code: e.code, message: e.message, details: e.details };
        if (e.total !== undefined) error.total = e.total;
        answers.push({ ok: false, name: e.name, error });
      }
    }
    open.push(predictor);
    out.push({ created: true, backend: predictor.backend, model: predictor.model,
               fallbackReason: predictor.fallbackReason, answers });
  }
  for (const predictor of open) predictor.close();
  return out;
}
"""


class Visit:
    """A fresh context and page that records every request, the worker's included."""

    def __init__(self, browser, origin):
        self.context = browser.new_context()
        self.requests: list[str] = []  # the page's and its workers'
        self.sw_requests: list[str] = []  # the service worker's own (precaching)
        self.context.on("request", lambda r: (self.sw_requests if r.service_worker else self.requests).append(r.url))
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.origin = origin

    def open(self, path="/"):
        self.page.goto(self.origin + path)
        return self

    def run(self, jobs):
        return self.page.evaluate(RUN_PREDICTORS, jobs)

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests + self.sw_requests
                if not (u.startswith(self.origin + "/") or u.startswith("data:"))]

    def close(self):
        self.context.close()


class PlainStaticHost:
    """dist/site served by Python's http.server: no CSP, no cache headers, no API at all."""

    def __init__(self, root):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def release(site_dir: Path, target: Path) -> Path:
    """A deployable copy of the site (the large Pyodide folder linked, not copied)."""
    shutil.copytree(site_dir, target, ignore=shutil.ignore_patterns("pyodide"))
    (target / "pyodide").symlink_to(site_dir / "pyodide")
    return target


def switch(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically: a deploy."""
    tmp = link.with_name(link.name + ".new")
    tmp.symlink_to(target)
    os.replace(tmp, link)


def wait_until_controlled(page) -> str:
    """Wait for this build's service worker to control the page; return its build id."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=LOAD_TIMEOUT_MS)
    return page.evaluate("""() => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (e) => resolve(e.data.build);
      navigator.serviceWorker.controller.postMessage({ type: "build" }, [channel.port2]);
    })""")


# An init script: how the page's runtime started (issue 35: restored from this device's snapshot, or
# why not), from its "ready" progress event, as `window.__started`.
RECORD_START = """addEventListener('progress', (e) => {
  if (e.detail?.stage === 'ready' && e.detail.snapshot) window.__started ??= e.detail.snapshot;
}, true);"""


def wait_for_snapshot(page) -> None:
    """Wait until this device keeps a snapshot of Python for the next visit (made once the page is
    quiet). Polled here: ``wait_for_function`` would not await the Cache Storage check."""
    made = """async () => (await (await caches.open("snapshot-py-pipeline")).keys())
      .some((r) => r.url.endsWith(".snapshot.json"))"""
    for _ in range(LOAD_TIMEOUT_MS // 250):
        if page.evaluate(made):
            return
        page.wait_for_timeout(250)
    raise TimeoutError("no snapshot of Python was made")


def site_build(site: Path) -> str:
    return json.loads((site / "precache-manifest.json").read_text())["build"]
