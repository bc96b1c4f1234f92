"""The browser for the workspace tests: the system's Chromium driven by Playwright (no browser
download), and ``normkit serve`` on a free loopback port with the example province.

Screenshots go to ``tests/web/artifacts/`` (git-ignored; NORMKIT_WEB_ARTIFACTS to choose another folder).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from normkit_testpaths import EXAMPLES

CHROMIUM = os.environ.get("NORMKIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("NORMKIT_WEB_ARTIFACTS", Path(__file__).parent / "artifacts"))
PACKS = {name: EXAMPLES / "packs" / name for name in ("example-province", "example-ha-nam", "example-quang-nam")}


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run does this)"
    return None


@contextmanager
def playwright() -> Iterator[Any]:
    """Playwright's driver (one per test module: its sync API cannot be nested)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@contextmanager
def browser(pw: Any) -> Iterator[Any]:
    """A browser context of a headless Chromium with a fresh profile (its --user-data-dir, which
    Playwright sets from the folder given here), closed and removed afterwards."""
    profile = tempfile.mkdtemp(prefix="normkit-chromium-")
    try:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS, headless=True,
                                                    viewport={"width": 1280, "height": 900}, accept_downloads=True)
        try:
            yield ctx
        finally:
            ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def guard_hosts(page: Any, base: str, foreign: list[str]) -> None:
    """Abort and record every request the page makes to any host but the server."""

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith((base + "/", "data:")) or url == base:
            r.continue_()
        else:
            foreign.append(url)
            r.abort()

    page.route("**/*", route)


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
