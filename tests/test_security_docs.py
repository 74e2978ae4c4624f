"""/docs and /redoc work on an air-gapped machine (issue 15.1).

A real ``troly serve`` and Debian's Chromium; every request that does not go to
the loopback server is aborted and recorded. Before the fix the pages loaded
Swagger UI and ReDoc from a CDN and stayed blank.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, running

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

OPERATIONS = 17  # the API's operations (method + path) in ui/routes/*.py, counted by hand: the 13 of issue 15 + POST
# /api/talking-points/about, GET /api/talking-points/about.docx, POST /api/compare, GET /api/figures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    root = tmp_path_factory.mktemp("docs")
    port = free_port()
    troly = Path(sys.executable).with_name("troly")
    cmd = [str(troly), "--data-dir", str(root / "data"), "serve", "--port", str(port), "--no-ingest"]
    with running(cmd, f"http://127.0.0.1:{port}/healthz", root / "server.log", cwd=root, env=dict(os.environ)):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def offline_page(server: str) -> Iterator[tuple]:
    """A page whose every non-loopback request is aborted; yields (page, list of blocked URLs)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_loopback(route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.route("**/*", only_loopback)
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page, blocked
        browser.close()


def test_swagger_docs_list_the_operations_with_the_network_blocked(server: str, offline_page: tuple) -> None:
    page, blocked = offline_page
    page.goto(server + "/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == OPERATIONS
    assert page.get_by_text("/api/assignments").count() >= 1
    assert blocked == []


def test_redoc_lists_the_operations_with_the_network_blocked(server: str, offline_page: tuple) -> None:
    page, blocked = offline_page
    page.goto(server + "/redoc")
    page.get_by_text("Answer a question from the documents").first.wait_for()
    assert blocked == []
