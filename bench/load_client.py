"""A small asyncio HTTP/1.1 load client: a fixed number of POSTs at a fixed concurrency.

Hand-written rather than a dependency: it needs only to send pre-encoded requests, read
Content-Length bodies, and record per-request latency, status and failures with timestamps
(the worker-kill test needs the time of each failure). Loopback only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    finished_at: list[float] = field(default_factory=list)  # monotonic time of each success
    failures: list[tuple[float, str]] = field(default_factory=list)  # (time, reason)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    def summary(self) -> str:
        return (f"{len(self.latencies)} ok, {len(self.failures)} failed, {self.throughput:8.1f} req/s, "
                f"p50 {self.percentile(0.5) * 1000:7.2f} ms, p99 {self.percentile(0.99) * 1000:7.2f} ms")


def encode(host: str, port: int, path: str, body: bytes) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


class _Exchange(asyncio.Protocol):
    """One request, one response on a fresh connection (the server closes it after answering)."""

    def __init__(self, request: bytes, done: asyncio.Future) -> None:
        self.request, self.done, self.buffer = request, done, bytearray()

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0 or self.done.done():
            return
        head = bytes(self.buffer[:head_end]).lower()
        marker = head.find(b"content-length:")
        if marker >= 0:
            length = int(head[marker + 15:].split(b"\r\n", 1)[0])
            if len(self.buffer) - head_end - 4 >= length:
                self.done.set_result(int(self.buffer.split(b" ", 2)[1]))
                self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            if self.buffer.startswith(b"HTTP/") and b"\r\n\r\n" in self.buffer:
                self.done.set_result(int(self.buffer.split(b" ", 2)[1]))  # body read to close
            else:
                self.done.set_exception(ConnectionError("connection closed before a response"))


async def one(host: str, port: int, request: bytes, timeout: float) -> int:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport, _ = await asyncio.wait_for(loop.create_connection(lambda: _Exchange(request, done), host, port), timeout)
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        transport.close()


async def run(host: str, port: int, path: str, body: bytes, count: int, concurrency: int,
              timeout: float = 30.0, on_progress=None) -> Result:
    """Send ``count`` requests with ``concurrency`` in flight; never more, never longer than needed."""
    request = encode(host, port, path, body)
    result = Result()
    sent = 0

    async def worker() -> None:
        nonlocal sent
        while sent < count:
            sent += 1
            if on_progress:
                on_progress(sent)
            started = time.monotonic()
            try:
                status = await one(host, port, request, timeout)
            except (OSError, asyncio.TimeoutError, ValueError, IndexError) as exc:
                result.failures.append((time.monotonic(), type(exc).__name__))
                continue
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 200:
                now = time.monotonic()
                result.latencies.append(now - started)
                result.finished_at.append(now)
            else:
                result.failures.append((time.monotonic(), f"HTTP {status}"))

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.monotonic() - started
    return result
