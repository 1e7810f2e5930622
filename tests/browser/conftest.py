"""The browser lane: one Chromium per module."""

from __future__ import annotations

import pytest

from ..support.browser import launch


@pytest.fixture(scope="module")
def browser(playwright):
    b = launch(playwright)
    yield b
    b.close()
