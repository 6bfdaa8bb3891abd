"""Headless Chromium (found like the PDF printer finds it) for the report tests: offline, every outside request
recorded and aborted, page errors and console errors collected."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from isms_analysis.browser import chromium_path

CHROMIUM = chromium_path() or Path("chromium-not-found")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def need_browser() -> None:
    """Skip without Chromium, unless ISMS_REQUIRE_BROWSER=1 (CI), then fail."""
    if not CHROMIUM.exists():
        if os.environ.get("ISMS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is missing but ISMS_REQUIRE_BROWSER=1")
        pytest.skip("chromium is not installed")


@contextmanager
def offline_page(html: Path, min_figures: int) -> Iterator[tuple[object, list[str], list[str]]]:
    """Open ``html`` offline and wait until ``min_figures`` plotly figures are drawn.
    Yields (page, errors, outside requests)."""
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 1000})
        outside: list[str] = []
        context.route(
            re.compile(r"^(https?|wss?)://"), lambda route: (outside.append(route.request.url), route.abort())
        )
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        pg.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        pg.goto(html.resolve().as_uri(), wait_until="load")
        pg.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {min_figures}", timeout=30_000
        )
        pg.wait_for_timeout(300)
        try:
            yield pg, errors, outside
        finally:
            browser.close()
