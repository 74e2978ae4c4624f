"""The web UI in a real browser: Debian's Chromium driven by Playwright against a real ``troly serve``
process on a free loopback port, with users configured (log in with name + API key).

Covers issue 14 (chat with clickable citations, talking points, documents, evaluation – desktop 1366×900 and
mobile 390×844) and the UI parts of issue 12: a public reader cannot fetch an admin's "mật" export, and
hostile HTML inside a document is shown as text without the browser making any request for it.

Screenshots are written to docs/screenshots/ only when TROLY_SCREENSHOTS=1 (``make screenshots``), so a
test run never dirties the work tree (issue 15.4).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, running

from tests.ui_support import SECRET_QUESTION, add_users, build_index, contains_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]

DESKTOP = {"width": 1366, "height": 900}
MOBILE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LONG = 180_000  # ms: the first answer loads the models inside the server on a busy 2-core machine
ENGLISH = ("Drop File Here", "Click to Upload", "Error", "default", "editor", "public", "reader")
HOSTILE_FILE = "tai-lieu-co-ma-html.txt"
HOSTILE_TEXT = (
    "Báo cáo về hệ thống camera giao thông.\n\n"
    'Tỉnh đã lắp 128 camera giám sát giao thông <img src="http://127.0.0.1:{port}/beacon.png"> tại các nút giao.\n\n'
    "Kinh phí bảo trì camera năm 2025 là 4,6 tỷ đồng <img src=x onerror=\"fetch('http://127.0.0.1:{port}/x')\">.\n"
)


def shoot(page: Any, name: str) -> None:
    """A screenshot for the README – only under ``make screenshots``."""
    if os.environ.get("TROLY_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    root = tmp_path_factory.mktemp("browser")
    settings, secret_id = build_index(root / "data", root)
    keys = add_users(settings.data_dir)
    port = free_port()
    troly = Path(sys.executable).with_name("troly")
    cmd = [str(troly), "--data-dir", str(settings.data_dir), "serve", "--port", str(port), "--no-ingest"]
    env = {**os.environ, "TMPDIR": str(root / "system-tmp")}
    (root / "system-tmp").mkdir()
    with running(cmd, f"http://127.0.0.1:{port}/healthz", root / "server.log", cwd=root, env=env):
        yield {
            "url": f"http://127.0.0.1:{port}",
            "keys": keys,
            "data_dir": settings.data_dir,
            "system_tmp": root / "system-tmp",
            "secret_id": secret_id,
        }


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def login(browser: Any, server: dict[str, Any], user: str, viewport: dict[str, int] = DESKTOP) -> Any:
    """A fresh browser context logged into the UI as ``user`` (name + API key on Gradio's login page)."""
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(LONG)
    page.goto(server["url"] + "/")
    page.locator("input[type=text], input:not([type])").first.fill(user)
    page.locator("input[type=password]").fill(server["keys"][user])
    page.locator("button").filter(has_text=re.compile("Login|Đăng nhập")).first.click()
    page.get_by_text("Người dùng:").wait_for()
    return page


@pytest.fixture(scope="module")
def admin(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    page = login(browser, server, "quan_tri")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def reader(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    page = login(browser, server, "doc_gia")
    yield page
    page.context.close()


def open_tab(page: Any, name: str, attempts: int = 3) -> None:
    """Click a tab until Gradio marks it selected (a click while the page is still mounting can be lost)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab = page.get_by_role("tab", name=name)
    for attempt in range(attempts):
        tab.click()
        try:
            page.wait_for_function(
                "el => el.getAttribute('aria-selected') === 'true'", arg=tab.element_handle(), timeout=10_000
            )
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def ask(page: Any, question: str) -> None:
    open_tab(page, "Hỏi đáp")
    page.locator("#troly-question textarea").fill(question)
    page.get_by_role("button", name="Gửi câu hỏi").click()


def choose_file(page: Any, component: str, path: Path, attempts: int = 3) -> None:
    """Put a file into a gr.File; retried because a tab that is still mounting can drop the first selection.

    A clean-clone run once waited 180 s for the second compare input; a failure now says what the component
    held (its HTML, cut) instead of only the selector it waited for."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator(component)
    for attempt in range(attempts):
        try:
            box.locator("input[type=file]").set_input_files(str(path), timeout=30_000)
            box.get_by_text(path.name).first.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout as exc:
            if attempt == attempts - 1:
                held = box.evaluate("el => el.outerHTML") if box.count() else "(no such element)"
                raise AssertionError(f"{component} did not take {path.name}: {held[:1500]}") from exc
            page.wait_for_timeout(1_000)


def start_evaluation(page: Any, questions: int) -> None:
    """Open the evaluation tab, set the number of questions and start the run."""
    open_tab(page, "Đánh giá")
    page.get_by_role("button", name="Chạy đánh giá").wait_for(state="visible")
    for _ in range(5):  # a tab that is still mounting can drop the first input
        box = page.locator("#troly-eval-limit input[type=number]")
        box.fill(str(questions))
        box.press("Tab")
        page.wait_for_timeout(500)
        if page.locator("#troly-eval-limit input[type=range]").input_value() == str(questions):
            break
    page.get_by_role("button", name="Chạy đánh giá").click()


def shoot_phone(page: Any, name: str) -> None:
    """The same screen at phone size (the README shows both), then back to the desktop size."""
    if os.environ.get("TROLY_SCREENSHOTS") == "1":
        page.set_viewport_size(MOBILE)
        page.wait_for_timeout(800)
        shoot(page, name)
        page.set_viewport_size(DESKTOP)


# ---- chat (14.1) -----------------------------------------------------------------------------------
def test_blank_question_is_validated_inline_in_vietnamese(reader: Any) -> None:
    open_tab(reader, "Hỏi đáp")
    reader.locator("#troly-question textarea").fill("   ")
    reader.get_by_role("button", name="Gửi câu hỏi").click()
    reader.locator("#troly-question-hint").get_by_text("Hãy nhập câu hỏi trước khi gửi.").wait_for()
    assert reader.locator(".toast-body").count() == 0  # no red "Error" overlay
    reader.locator("#troly-question textarea").type("Câu hỏi")  # the box stays usable; typing clears the hint
    reader.wait_for_function("document.querySelector('#troly-question-hint').innerText.trim() === ''")


def test_page_is_vietnamese(reader: Any) -> None:
    served = reader.request.get(reader.url).text()  # the HTML as the server sends it, before any script runs
    assert re.search(r'<html[^>]*\blang="vi"', served) and 'lang="en"' not in served
    assert reader.evaluate("document.documentElement.lang") == "vi"
    open_tab(reader, "Tài liệu")
    reader.get_by_role("button", name="Tìm", exact=True).wait_for(state="visible")
    visible = reader.locator("body").inner_text()
    for word in ENGLISH:
        assert not re.search(rf"\b{word}\b", visible), word
    assert "người đọc" in visible and "Công khai" in visible  # role and clearance in Vietnamese


def test_citation_marker_opens_the_passage_with_the_sentence_highlighted(reader: Any) -> None:
    ask(reader, "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?")
    reader.wait_for_timeout(300)
    assert reader.locator("#troly-send button, button#troly-send").first.is_disabled()  # no second send
    reader.locator("#troly-conversation .troly-sources").last.wait_for()
    answer = reader.locator("#troly-conversation .troly-a").last
    assert "6,42" in answer.inner_text()
    assert reader.locator("#troly-send button, button#troly-send").first.is_enabled()
    labels = [li.inner_text() for li in reader.locator("#troly-conversation .troly-sources li").all()]
    assert labels and len(set(labels)) == len(labels)  # distinct citation labels
    answer.locator(".troly-cite").first.click()
    mark = reader.locator("#troly-passage mark")
    mark.wait_for()
    passage = reader.locator("#troly-passage").inner_text()
    assert "6,42" in mark.inner_text()
    assert "Tài liệu:" in passage and "Mục:" in passage  # where the sentence sits
    box, viewer = answer.bounding_box(), reader.locator("#troly-passage").bounding_box()
    assert viewer["x"] > box["x"] + box["width"] - 5  # desktop: beside the answer
    shoot(reader, "hoi-dap.png")


def test_mobile_question_above_the_fold_tabs_visible_passage_under_answer(browser: Any, server: Any) -> None:
    page = login(browser, server, "doc_gia", MOBILE)
    try:
        box = page.locator("#troly-question textarea").bounding_box()
        assert box["y"] + box["height"] <= MOBILE["height"]
        for name in ("Hỏi đáp", "Soạn ý", "Tài liệu", "Đánh giá"):
            assert page.get_by_role("tab", name=name).is_visible(), name
        ask(page, "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?")
        answer = page.locator("#troly-conversation .troly-a").last
        page.locator("#troly-conversation .troly-sources").last.wait_for()
        answer.locator(".troly-cite").first.click()
        page.locator("#troly-passage mark").wait_for()
        assert page.locator("#troly-passage").bounding_box()["y"] > answer.bounding_box()["y"]  # under it
        shoot(page, "hoi-dap-dien-thoai.png")
    finally:
        page.context.close()


def test_public_session_never_sees_classified(reader: Any) -> None:
    open_tab(reader, "Tài liệu")
    reader.get_by_role("button", name="Làm mới danh sách").click()
    reader.wait_for_function("document.querySelector('#troly-doc-table').innerText.includes('Gợi ý')")
    assert "ke-hoach-can-bo-mat" not in reader.content()
    reader.locator("#troly-search textarea, #troly-search input").first.fill("cán bộ chủ chốt Vân Phong Bắc")
    reader.get_by_role("button", name="Tìm", exact=True).click()
    reader.locator("#troly-search-results .troly-hit, #troly-search-results p").first.wait_for()
    assert not contains_secret(reader.locator("#troly-search-results").inner_text())
    ask(reader, SECRET_QUESTION)
    reader.locator("#troly-conversation .troly-a").last.get_by_text("Không").wait_for()
    chat = reader.locator("#troly-conversation").inner_text().replace(SECRET_QUESTION, "")
    assert not contains_secret(chat)


# ---- hostile HTML (12.5) -------------------------------------------------------------------------
def test_hostile_html_in_a_document_is_text_and_fetches_nothing(admin: Any, server: Any, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there: any request for it is counted by the route below
    doc = tmp_path / HOSTILE_FILE
    doc.write_text(HOSTILE_TEXT.format(port=port), "utf-8")
    outside: list[str] = []
    admin.context.route(
        re.compile(rf"^https?://127\.0\.0\.1:{port}/.*|^http://x/?.*"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    open_tab(admin, "Tài liệu")
    choose_file(admin, "#troly-upload", doc)
    admin.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    admin.locator("#troly-upload-result").get_by_text(f"Đã nạp {HOSTILE_FILE}").wait_for()
    admin.locator("#troly-search textarea, #troly-search input").first.fill("camera giám sát giao thông")
    admin.get_by_role("button", name="Tìm", exact=True).click()
    admin.locator("#troly-search-results").get_by_text("<img src=", exact=False).first.wait_for()
    ask(admin, "Tỉnh đã lắp bao nhiêu camera giám sát giao thông?")
    admin.locator("#troly-conversation .troly-sources").last.wait_for()
    answer = admin.locator("#troly-conversation .troly-a").last
    answer.locator(".troly-cite").first.click()
    admin.locator("#troly-passage mark").wait_for()
    admin.wait_for_timeout(1500)
    shown = admin.locator("#troly-conversation").inner_text() + admin.locator("#troly-passage").inner_text()
    assert f'<img src="http://127.0.0.1:{port}/beacon.png">' in shown  # the quote as written
    assert admin.locator("#troly-conversation img, #troly-passage img, #troly-search-results img").count() == 0
    assert outside == []


# ---- talking points and exports (14.2, 12.1) ------------------------------------------------------
def test_draft_honours_points_and_downloads_a_party_docx(admin: Any, tmp_path: Path) -> None:
    from docx import Document as DocxDocument

    open_tab(admin, "Soạn ý")
    admin.locator("#troly-tone").get_by_label("Nhấn mạnh đề xuất").check()
    number = admin.locator("#troly-n-points input[type=number]")
    number.fill("4")
    number.press("Tab")
    admin.get_by_role("button", name="Soạn dàn ý").click()
    admin.locator("#troly-docx a").wait_for()
    output = admin.locator("#troly-talking-points")
    # Nhấn mạnh đề xuất's own opening; the one point states the situation, proposing nothing, so neither the opening
    # nor the closing speaks of "các đề xuất" the speech never made.
    assert "xin tập trung nêu các vấn đề đặt ra về chuyên đề 1" in output.inner_text()
    assert "Để các ý kiến trên đi vào thực tiễn" in output.inner_text() and "đề xuất trên" not in output.inner_text()
    # The 4 asked reach the drafter: topic 1's four discussion questions (corpus/goi-y-…-2025.txt). On this index
    # only the guide's own Thực trạng sentence answers one of them – the 2026 targets it falls short of – so one
    # point stands under that question, and the warning names the three no document speaks to.
    points = output.locator("ol.troly-points > li")
    assert points.count() == 1 and "Tài liệu chỉ đủ căn cứ cho 1 ý (đã yêu cầu 4)" in output.inner_text()
    assert "Cơ chế phối hợp giữa sở, ngành với các địa phương đang tắc ở đâu?" in output.inner_text()
    point = points.first.inner_text()
    assert point.startswith("Các giải pháp để đạt mục tiêu tăng trưởng 10% và giải ngân 100% vốn đầu tư công")
    assert "iải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%" in point and "[1]" in point
    assert "[Đề xuất" not in output.inner_text() and "Lưu ý: Lưu ý" not in output.inner_text()
    with admin.expect_download() as info:
        admin.locator("#troly-docx a").click()
    target = tmp_path / "tham-luan.docx"
    info.value.save_as(target)
    doc = DocxDocument(str(target))
    right = doc.tables[0].rows[0].cells[1].paragraphs[0].text
    assert right == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert "Giọng văn" not in "\n".join(p.text for p in doc.paragraphs)
    shoot(admin, "soan-y-phat-bieu.png")
    shoot_phone(admin, "soan-y-dien-thoai.png")


def test_public_reader_cannot_fetch_an_admins_secret_export(admin: Any, reader: Any, server: Any) -> None:
    open_tab(admin, "Soạn ý")
    admin.locator("#troly-talking-points").wait_for(state="attached")
    topic = admin.locator("#troly-tabs").get_by_label("Chuyên đề", exact=True)
    topic.click()
    admin.get_by_role("option", name=re.compile("Vân Phong Bắc")).first.click()
    admin.get_by_role("button", name="Soạn dàn ý").click()
    admin.locator("#troly-talking-points").get_by_text("Vân Phong Bắc").first.wait_for()
    href = admin.locator("#troly-docx a").get_attribute("href")
    assert href and href.startswith("/ui/exports/")
    own = admin.request.get(server["url"] + href)
    assert own.status == 200 and own.body()[:2] == b"PK"  # the author downloads it
    stolen = reader.request.get(server["url"] + href)
    assert stolen.status == 404 and b"PK" not in stolen.body()[:2]
    anonymous = reader.context.browser.new_context().request.get(server["url"] + href)
    assert anonymous.status in (401, 404)
    # Nothing was written for Gradio's file route to serve, and no copy went to the system temp dir.
    exports = server["data_dir"] / "exports"
    assert not exports.exists() or not any(exports.iterdir())
    guess = f"{server['data_dir']}/exports/y-phat-bieu-chuyen-de-1-chung-quan_tri.docx"
    assert reader.request.get(server["url"] + "/gradio_api/file=" + guess).status != 200
    leftovers = [p for p in server["system_tmp"].rglob("*") if p.suffix == ".docx"]
    assert leftovers == []


# ---- documents (14.5) ----------------------------------------------------------------------------
def test_delete_asks_for_confirmation_and_search_forgets_the_document(admin: Any, tmp_path: Path) -> None:
    doc = tmp_path / "bao-cao-chuyen-doi-so.txt"
    doc.write_text(
        "Báo cáo chuyển đổi số.\n\nTỉnh đã cấp 4.815 chữ ký số cho cán bộ xã phường trong năm 2025.\n", "utf-8"
    )
    open_tab(admin, "Tài liệu")
    choose_file(admin, "#troly-upload", doc)
    admin.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    admin.locator("#troly-upload-result").get_by_text("Đã nạp bao-cao-chuyen-doi-so.txt").wait_for()
    admin.locator("#troly-search textarea, #troly-search input").first.fill("chữ ký số cán bộ xã phường")
    admin.get_by_role("button", name="Tìm", exact=True).click()
    admin.locator("#troly-search-results").get_by_text("4.815").first.wait_for()
    table = admin.locator("#troly-doc-table")
    assert table.bounding_box()["width"] <= DESKTOP["width"]
    shoot(admin, "tai-lieu.png")
    admin.get_by_label("Chọn tài liệu").click()
    admin.get_by_role("option", name=re.compile("chuyển đổi số", re.IGNORECASE)).first.click()
    admin.get_by_role("button", name="Xoá tài liệu").click()
    admin.get_by_role("button", name="Xác nhận xoá").wait_for()
    admin.get_by_role("button", name="Huỷ").click()
    admin.wait_for_timeout(500)
    assert "4.815" in admin.locator("#troly-search-results").inner_text()  # cancelled: nothing deleted
    admin.get_by_label("Chọn tài liệu").click()
    admin.get_by_role("option", name=re.compile("chuyển đổi số", re.IGNORECASE)).first.click()
    admin.get_by_role("button", name="Xoá tài liệu").click()
    admin.get_by_role("button", name="Xác nhận xoá").click()
    admin.locator("#troly-upload-result").get_by_text("Đã xoá").wait_for()
    admin.wait_for_function("!document.querySelector('#troly-search-results').innerText.includes('4.815')")


# ---- evaluation (14.4) ---------------------------------------------------------------------------
def test_evaluation_tab_shows_the_summary_and_links_the_report(admin: Any, server: Any) -> None:
    start_evaluation(admin, 3)
    report = admin.locator("#troly-eval-report")
    report.get_by_text("Tóm tắt").wait_for()
    assert "3 câu hỏi" in report.inner_text()
    href = report.get_by_role("link", name="Xem báo cáo đầy đủ").get_attribute("href")
    full = admin.request.get(server["url"] + href)
    assert full.status == 200 and "Tóm tắt" in full.text()
    admin.locator("#troly-eval-charts img").first.wait_for()
    shoot(admin, "danh-gia.png")
    shoot_phone(admin, "danh-gia-dien-thoai.png")
