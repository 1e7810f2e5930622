"""Debian's Chromium as every tool here drives it (tests, benchmarks, screenshots): its path and
the flags that keep it off this machine's closed network. Never `playwright install`, which
downloads a browser of its own."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic"]
# WebAssembly off. Chromium 156 ignores --noexpose_wasm on its own (typeof WebAssembly stays
# "object"); V8's --jitless, which also disables WebAssembly, takes effect in pages and workers.
NO_WASM = "--js-flags=--jitless --noexpose_wasm"


def launch(playwright: Any, *extra_flags: str) -> Any:
    """A headless Chromium browser (Playwright), with ``extra_flags`` beside the usual ones."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS + list(extra_flags))


def launch_persistent(playwright: Any, profile: str, **options: Any) -> Any:
    """A browser context on the profile folder ``profile`` (kept between runs: a second visit)."""
    return playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS, **options)
