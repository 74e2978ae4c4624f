"""The web UI in a real browser: Debian's Chromium driven by Playwright against a
real ``troly serve`` process on a free loopback port (open mode, no users).

Covers the three journeys of the issue – ask and see a citation, draft talking
points and download the .docx, upload a document and find it by search – and
saves a screenshot of each tab under docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import free_port, running

from tests.ui_support import build_index

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LONG = 180_000  # ms: the first answer loads the models inside the server on a busy 2-core machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    root = tmp_path_factory.mktemp("browser")
    settings, _ = build_index(root / "data", root)
    port = free_port()
    troly = Path(sys.executable).with_name("troly")
    cmd = [str(troly), "--data-dir", str(settings.data_dir), "serve", "--port", str(port), "--no-ingest"]
    with running(cmd, f"http://127.0.0.1:{port}/healthz", root / "server.log", cwd=root, env=dict(os.environ)):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def page(server: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="vi-VN")
        pg = context.new_page()
        pg.set_default_timeout(LONG)
        pg.goto(server + "/")
        pg.get_by_text("Người dùng:").wait_for()
        yield pg
        browser.close()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def choose_file(page, component: str, path: Path, attempts: int = 3) -> None:
    """Put a file into a gr.File; retried because a tab that is still mounting can drop the first selection."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        page.locator(f"{component} input[type=file]").set_input_files(str(path))
        try:
            page.locator(component).get_by_text(path.name).first.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def test_ask_shows_citation_and_highlighted_passage(page) -> None:
    open_tab(page, "Hỏi đáp")
    page.get_by_label("Câu hỏi", exact=True).fill("Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?")
    page.get_by_role("button", name="Gửi câu hỏi").click()
    page.get_by_text("Nguồn trích dẫn").wait_for()
    assert "6,42" in page.locator(".message-wrap, [role='log']").first.inner_text()
    page.locator("label").filter(has_text="[1]").first.click()
    mark = page.locator("#troly-passage mark").first
    mark.wait_for()
    assert mark.inner_text().strip()
    assert "Tài liệu:" in page.locator("#troly-passage").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "hoi-dap.png"), full_page=True)


def test_draft_talking_points_and_download_docx(page, tmp_path: Path) -> None:
    from docx import Document as DocxDocument

    open_tab(page, "Soạn ý phát biểu")
    page.locator("#troly-tone").get_by_label("Nhấn mạnh đề xuất").check()
    page.get_by_role("button", name="Soạn dàn ý").click()
    page.locator("#troly-talking-points").get_by_text("Nguồn trích dẫn").wait_for()
    assert "xin tập trung nêu các đề xuất" in page.locator("#troly-talking-points").inner_text()  # the chosen tone
    button = page.locator("#troly-docx")
    button.wait_for(state="visible")
    with page.expect_download() as info:
        button.click()
    target = tmp_path / "y-phat-bieu.docx"
    info.value.save_as(target)
    text = "\n".join(p.text for p in DocxDocument(str(target)).paragraphs)
    assert "chuyên đề" in text.lower() or "giải ngân" in text.lower()
    assert "Giọng văn: Nhấn mạnh đề xuất" in text
    page.screenshot(path=str(SCREENSHOTS / "soan-y-phat-bieu.png"), full_page=True)


def test_upload_then_find_by_search(page, tmp_path: Path) -> None:
    doc = tmp_path / "bao-cao-chuyen-doi-so.txt"
    doc.write_text(
        "Báo cáo chuyển đổi số.\n\nTỉnh đã cấp 4.815 chữ ký số cho cán bộ xã phường trong năm 2025.\n", "utf-8"
    )
    open_tab(page, "Tài liệu")
    page.get_by_role("button", name="Tải lên và lập chỉ mục").wait_for(state="visible")
    choose_file(page, "#troly-upload", doc)
    page.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    page.locator("#troly-upload-result").get_by_text("bao-cao-chuyen-doi-so.txt").wait_for()
    assert "Đã nạp" in page.locator("#troly-upload-result").inner_text()
    page.get_by_label("Tìm trong tài liệu").fill("chữ ký số cán bộ xã phường")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.locator("#troly-search-results").get_by_text("4.815").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "tai-lieu.png"), full_page=True)


def test_evaluation_tab_runs_a_small_evaluation(page) -> None:
    open_tab(page, "Đánh giá")
    page.get_by_role("button", name="Chạy đánh giá").wait_for(state="visible")
    for _ in range(5):  # a tab that is still mounting can drop the first input
        box = page.locator("#troly-eval-limit input[type=number]")
        box.fill("3")
        box.press("Tab")
        page.wait_for_timeout(500)
        if page.locator("#troly-eval-limit input[type=range]").input_value() == "3":
            break
    page.get_by_role("button", name="Chạy đánh giá").click()
    page.locator("#troly-eval-report").get_by_text("Summary").wait_for()
    assert "3 questions" in page.locator("#troly-eval-report").inner_text()
    page.locator("#troly-eval-charts img").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "danh-gia.png"), full_page=True)


def test_public_session_never_sees_classified(page) -> None:
    from tests.ui_support import SECRET_QUESTION, contains_secret

    open_tab(page, "Tài liệu")
    page.get_by_role("button", name="Làm mới danh sách").click()
    page.wait_for_function(
        "document.querySelector('#troly-doc-table').innerText.includes('goi-y-chuyen-de-thao-luan-hoi-nghi')"
    )
    assert "ke-hoach-can-bo-mat" not in page.locator("#troly-doc-table").inner_text()
    assert "ke-hoach-can-bo-mat" not in page.content()
    page.get_by_label("Tìm trong tài liệu").fill("cán bộ chủ chốt khu kinh tế Vân Phong Bắc")
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.locator("#troly-search-results")
    page.wait_for_function("document.querySelector('#troly-search-results').innerText.includes('1.')")
    assert not contains_secret(results.inner_text())
    open_tab(page, "Hỏi đáp")
    page.get_by_label("Câu hỏi", exact=True).fill(SECRET_QUESTION)
    page.get_by_role("button", name="Gửi câu hỏi").click()
    page.get_by_text("Không tìm thấy thông tin này").first.wait_for()
    chat = page.locator(".message-wrap, [role='log']").first.inner_text().replace(SECRET_QUESTION, "")
    assert not contains_secret(chat)
