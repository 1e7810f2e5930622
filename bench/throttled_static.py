"""A static server for the built site behind an emulated network link: one token bucket shared
by every response (the page's, the Pyodide worker's and the service worker's alike, which
DevTools' per-target emulation would miss), plus a fixed delay per request. Like a static host
configured as the README says (nginx ``brotli_static``), it sends the build's ``.br``/``.gz``
copies to clients that accept them.

    .venv/bin/python bench/throttled_static.py dist/site 8001 --mbit 20 --rtt-ms 40
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import threading
import time
from pathlib import Path

CHUNK = 16 * 1024


class TokenBucket:
    """``rate`` bytes per second, shared by all threads; a burst of one chunk."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def take(self, n: int) -> None:
        """Block until ``n`` bytes may go out: the link sends one chunk after another."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + n / self.rate
        time.sleep(max(0.0, self._next - time.monotonic()))


class ThrottledHandler(http.server.SimpleHTTPRequestHandler):
    bucket: TokenBucket
    rtt_s: float

    def send_head(self):  # one round trip before the first byte of every answer
        time.sleep(self.rtt_s)
        path = self.translate_path(self.path)
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            if encoding in accepted and os.path.isfile(path) and os.path.isfile(path + suffix):
                f = open(path + suffix, "rb")  # noqa: SIM115 (the handler closes it after copyfile)
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(path))
                self.send_header("Content-Encoding", encoding)
                self.send_header("Vary", "Accept-Encoding")
                self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
                self.end_headers()
                return f
        return super().send_head()

    def copyfile(self, source, outputfile) -> None:
        while chunk := source.read(CHUNK):
            self.bucket.take(len(chunk))
            outputfile.write(chunk)

    def log_message(self, *args) -> None:
        pass


class ThrottledSite:
    """``root`` served on a loopback port in a thread, through the emulated link."""

    def __init__(self, root: Path, port: int = 0, mbit: float = 20, rtt_ms: float = 40) -> None:
        handler = type("Handler", (ThrottledHandler,), {"bucket": TokenBucket(mbit * 1e6 / 8), "rtt_s": rtt_ms / 1000})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("--mbit", type=float, default=20)
    parser.add_argument("--rtt-ms", type=float, default=40)
    args = parser.parse_args()
    site = ThrottledSite(args.root, args.port, args.mbit, args.rtt_ms)
    print(f"serving {args.root} at {site.url} over {args.mbit:g} Mbit/s, {args.rtt_ms:g} ms")
    threading.Event().wait()


if __name__ == "__main__":
    main()
