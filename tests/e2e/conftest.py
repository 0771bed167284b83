"""Browser tests: a real uvicorn server on a free local port, driven by Debian's Chromium
through Playwright (no browser download: ``executable_path=/usr/bin/chromium``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.helpers import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def live_server(runtime) -> Iterator[str]:
    with running_server(runtime) as url:
        yield url


@pytest.fixture
def browser():
    if not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (`make browser` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()
