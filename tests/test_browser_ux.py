"""What officials trip on in the web UI (issue 26), in Debian's Chromium at desktop (1366×800) and phone (390×844)
sizes, each test written as the user's action and what they must then see. A real ``troly serve`` over the real
topic guide (the server and browser fixtures of tests/test_browser.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import (  # noqa: F401 - browser and server are fixtures, used by name
    browser,
    choose_file,
    login,
    open_tab,
    server,
    start_evaluation,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
GROWTH = "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"
ENGLISH = (
    "Copy table data", "Fullscreen", "Reset to default value", "Click to upload", "drop files", "Drop File Here",
    "File upload", "Table actions", "Open cell menu", "Empty value", "number input for", "range slider for",
    "More tabs", "Loading", "processing", "Error", "Warning", "Download", "Close", "Clear", "Submit", "Search",
    "Filter", "Sort", "Logout", "unsupported file type", "the file is empty", "supported", "other", "report",
    "topic_guide", "resolution", "public", "internal", "reader", "editor", "admin", "hybrid", "ui-hybrid",
    "cross_topic", "no_diacritics", "upload", "common",
)  # fmt: skip
"""Gradio's own strings and troly's old English; key names (Enter, Shift+Enter) are what keyboards print."""
COLLECT = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style, [aria-hidden="true"], .visually-hidden')) continue;
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden' || !el.getClientRects().length) continue;
    if (n.nodeValue.trim()) out.push(n.nodeValue.trim());
  }
  const named = '[title], [aria-label], [placeholder], [alt], [aria-roledescription], [aria-valuetext]';
  for (const el of document.querySelectorAll(named)) {
    for (const a of ['title', 'aria-label', 'placeholder', 'alt', 'aria-roledescription', 'aria-valuetext']) {
      if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
  }
  return out;
}"""
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const m of n.nodeValue.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.fixture
def page_for(browser: Any, server: dict[str, Any]) -> Iterator[Any]:  # noqa: F811 - pytest fixtures
    """``page_for(user, size)``: a fresh logged-in page, closed after the test."""
    opened: list[Any] = []

    def open_page(user: str, size: dict[str, int]) -> Any:
        page = login(browser, server, user, size)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.context.close()


def english_in(texts: list[str]) -> list[str]:
    """Each text that holds a word of ENGLISH (the text itself, so a failure shows where it was)."""
    words = re.compile("|".join(rf"(?<![\w-]){re.escape(w)}(?![\w-])" for w in ENGLISH), re.IGNORECASE)
    return sorted({t for t in texts if words.search(t)})


def question_box(page: Any) -> Any:
    return page.locator("#troly-question textarea")


def wait_answered(page: Any, turns: int) -> None:
    """Until the chat holds ``turns`` questions, none still pending, and the send button is usable again."""
    page.wait_for_function(
        f"document.querySelectorAll('#troly-conversation .troly-q').length === {turns}"
        " && !document.querySelector('#troly-conversation .troly-a.pending')"
        " && !document.querySelector('#troly-send').disabled"
    )


def ask_with_enter(page: Any, question: str, turns: int) -> None:
    question_box(page).fill(question)
    question_box(page).press("Enter")
    wait_answered(page, turns)


# ---- 26.1 Enter sends, Shift+Enter adds a line --------------------------------------------------------------------
@SIZES
def test_enter_sends_and_shift_enter_adds_a_line(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("doc_gia", size)
    assert "Enter để gửi · Shift+Enter để xuống dòng" in page.locator("#troly-question").inner_text()
    box = question_box(page)
    box.click()
    box.type("Tăng trưởng kinh tế")
    box.press("Shift+Enter")
    box.type("năm 2025 đạt bao nhiêu?")
    assert box.input_value() == "Tăng trưởng kinh tế\nnăm 2025 đạt bao nhiêu?"  # a new line, nothing sent
    page.wait_for_timeout(500)
    assert page.locator("#troly-conversation .troly-q").count() == 0
    box.press("Enter")
    wait_answered(page, 1)
    assert box.input_value() == ""
    assert "6,42" in page.locator("#troly-conversation .troly-a").last.inner_text()


# ---- 26.2 the newest answer is scrolled into view -----------------------------------------------------------------
@SIZES
def test_newest_answer_is_scrolled_into_view(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("doc_gia", size)
    questions = [GROWTH, "Thiên tai năm 2025 gây thiệt hại bao nhiêu?", "Dân số của tỉnh là bao nhiêu?", GROWTH]
    for n, question in enumerate(questions, 1):
        ask_with_enter(page, question, n)
    page.wait_for_timeout(500)
    newest = page.locator("#troly-conversation .troly-q").last.bounding_box()
    answer = page.locator("#troly-conversation .troly-a").last.bounding_box()
    assert page.evaluate("window.scrollY") > 0  # four turns do not fit: the page followed them
    assert newest["y"] >= 0 and answer["y"] + 20 <= size["height"], (newest, answer)


# ---- 26.5 one refusal sentence plus the reason; markers close to their full stop ----------------------------------
@SIZES
def test_refusal_is_one_sentence_and_a_plain_reason(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("doc_gia", size)
    ask_with_enter(page, "Dân số của tỉnh năm 2025 là bao nhiêu người?", 1)
    said = page.locator("#troly-conversation .troly-a").last.inner_text()
    assert said.count("Không tìm thấy thông tin này trong các tài liệu đã nạp.") == 1
    assert "Tài liệu hiện có không chứa thông tin" not in said  # the same thing a second time
    assert re.search(r"Lý do:\s*\S", said), said
    assert not re.search(r"độ phủ|điểm \d|\d\.\d\d\)", said), said  # no scores for developers


@SIZES
def test_citation_marker_sits_against_its_full_stop(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("doc_gia", size)
    ask_with_enter(page, GROWTH, 1)
    answer = page.locator("#troly-conversation .troly-a").last
    assert re.search(r"\[1\][.,;]", answer.inner_text()) and not re.search(r"\[1\] [.,;]", answer.inner_text())
    gap = page.evaluate(
        """() => {
          const b = document.querySelector('#troly-conversation .troly-a .troly-cite');
          const range = document.createRange();
          range.setStart(b.nextSibling, 0);
          range.setEnd(b.nextSibling, 1);
          return range.getBoundingClientRect().left - b.getBoundingClientRect().right;
        }"""
    )
    assert abs(gap) <= 1


# ---- 26.8 question length and one submission ----------------------------------------------------------------------
@SIZES
def test_a_7000_character_message_is_stated_over_the_limit_and_not_sent(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("doc_gia", size)
    assert "tối đa 2.000 ký tự" in page.locator("#troly-question").inner_text()  # the API's limit, stated
    box = question_box(page)
    box.fill("Tăng trưởng kinh tế năm 2025 đạt bao nhiêu? " * 159 + "x" * 4)  # 7,000 characters
    assert len(box.input_value()) == 7000
    note = page.locator("#troly-question-limit")
    note.get_by_text("Câu hỏi dài 7.000 ký tự, quá giới hạn 2.000 ký tự").wait_for()
    box.press("Enter")
    page.get_by_role("button", name="Gửi câu hỏi").click()
    page.wait_for_timeout(1500)
    assert page.locator("#troly-conversation .troly-q").count() == 0  # nothing echoed, nothing refused
    assert len(box.input_value()) == 7000  # the text stays to be shortened
    box.fill(GROWTH)
    page.wait_for_function("document.querySelector('#troly-question-limit').innerText.trim() === ''")
    box.press("Enter")
    wait_answered(page, 1)


@SIZES
def test_three_clicks_in_one_tick_send_the_question_once(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("doc_gia", size)
    question_box(page).fill(GROWTH)
    page.evaluate("() => { const b = document.querySelector('#troly-send'); b.click(); b.click(); b.click(); }")
    wait_answered(page, 1)
    page.wait_for_timeout(2000)
    assert page.locator("#troly-conversation .troly-q").count() == 1


# ---- 26.8 whole words in narrow tables ----------------------------------------------------------------------------
@SIZES
def test_documents_table_breaks_only_between_words(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("quan_tri", size)
    open_tab(page, "Tài liệu")
    table = page.locator("#troly-doc-table")
    table.get_by_text("Gợi ý chuyên đề thảo luận hội nghị tổng kết 2025").first.wait_for()
    assert table.get_by_text("Công khai").count() > 0 and table.get_by_text("Mật", exact=True).count() > 0
    cells = "#troly-doc-table .body-cell:not(:nth-child(2)), #troly-doc-table .header-cell"  # file names may break
    assert page.evaluate(BROKEN_WORDS, cells) == []
    assert table.bounding_box()["x"] + min(table.bounding_box()["width"], size["width"]) <= size["width"]


# ---- 26.3 no English on any tab; Vietnamese kinds and upload errors -----------------------------------------------
@SIZES
def test_no_english_is_visible_or_announced_on_any_tab(page_for: Any, size: dict[str, int]) -> None:
    page = page_for("quan_tri", size)
    tabs = [t.inner_text() for t in page.get_by_role("tab").all()]
    assert len(tabs) >= 4 and all(page.get_by_role("tab", name=t).is_visible() for t in tabs)  # none hidden
    seen: list[str] = []
    for name in tabs:
        open_tab(page, name)
        page.wait_for_timeout(1200)
        for accordion in page.locator(".label-wrap:visible").all():
            accordion.click()
        page.wait_for_timeout(300)
        seen += page.evaluate(COLLECT)
    assert english_in(seen) == [], english_in(seen)
    assert "Gợi ý chuyên đề" in seen  # the guide's kind, read from its header, in the "Loại" column


def test_upload_errors_and_document_kinds_read_in_vietnamese(page_for: Any, tmp_path: Path) -> None:
    page = page_for("quan_tri", DESKTOP)
    open_tab(page, "Tài liệu")
    empty = tmp_path / "rong.txt"
    empty.write_bytes(b"")
    plan = tmp_path / "ke-hoach-tuyen-truyen.txt"
    plan.write_text(
        "ĐẢNG BỘ TỈNH KHÁNH HÒA\nBAN TUYÊN GIÁO\nSố: 41-KH/BTG\n\nĐẢNG CỘNG SẢN VIỆT NAM\n\nKẾ HOẠCH\n"
        "tuyên truyền kỷ niệm 96 năm Ngày thành lập Đảng\n\nI. MỤC ĐÍCH, YÊU CẦU\n"
        "1. Tổ chức hội nghị báo cáo viên tháng 2 năm 2026 tại hội trường tỉnh.\n",
        encoding="utf-8",
    )
    choose_file(page, "#troly-upload", plan)
    page.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    page.locator("#troly-upload-result").get_by_text(f"Đã nạp {plan.name}").wait_for()
    row = page.locator("#troly-doc-table .virtual-row").filter(has_text="ke-hoach-tuyen-truyen")
    assert "Kế hoạch" in row.first.inner_text()  # the header's KẾ HOẠCH, not "other"
    choose_file(page, "#troly-upload", empty)
    page.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    page.locator("#troly-upload-result").get_by_text("rong.txt").wait_for()
    result = page.locator("#troly-upload-result").inner_text()
    assert "rong.txt: tệp rỗng (0 byte)" in result, result
    assert english_in([result]) == []


# ---- 26.4 one moving progress bar; the chat says documents are being indexed --------------------------------------
def big_text(seed: int, sentences: int = 240) -> str:
    """A plain report of some forty passages: indexing takes a few embedding batches, long enough to watch."""
    lines = [f"BÁO CÁO TIẾN ĐỘ GIAO THÔNG NÔNG THÔN SỐ {seed}", ""]
    for i in range(sentences):
        lines.append(
            f"Xã thứ {i} của huyện {seed} đã hoàn thành {i * 3 + seed} km đường bê tông, đạt {i % 97}% kế hoạch "
            f"năm 2025, với {i % 13 + 2} công trình cầu dân sinh được khởi công mới."
        )
        if i % 8 == 7:
            lines.append("")
    return "\n".join(lines)


@SIZES
def test_upload_shows_one_moving_bar_and_the_chat_says_indexing_runs(
    page_for: Any, size: dict[str, int], tmp_path: Path
) -> None:
    admin, reader = page_for("quan_tri", size), page_for("doc_gia", size)
    open_tab(admin, "Tài liệu")
    paths = []
    for n in (1, 2):
        path = tmp_path / f"bao-cao-giao-thong-{size['width']}-{n}.txt"
        path.write_text(big_text(n + size["width"]), encoding="utf-8")
        paths.append(path)
    admin.get_by_role("button", name="Tải lên và lập chỉ mục").wait_for(state="visible")
    admin.wait_for_timeout(1000)  # a tab that is still mounting can drop a selection (and a second one adds up)
    admin.locator("#troly-upload input[type=file]").set_input_files([str(p) for p in paths])
    admin.locator("#troly-upload").get_by_text(paths[1].stem).first.wait_for()  # a list shows "stem" ".txt"
    # every state the bar takes is recorded by the page itself as it changes (a MutationObserver): sampling from
    # here missed states when a loaded machine slowed the round trips and a file went by between two samples
    admin.evaluate(
        """() => {
          const visible = (el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden';
          const said = (b) => b.innerText.split('\\n').filter((l) => !/^[\\d.]+s$/.test(l.trim())).join(' ').trim();
          window.__trolyBars = {shown: [], most: 0};
          const record = () => {
            const bars = [...document.querySelectorAll('#troly-tabs .progress-text, #troly-tabs .progress-level')]
              .filter(visible).map((el) => el.closest('[data-testid="status-tracker"]')).filter(Boolean);
            const distinct = [...new Set(bars)];
            window.__trolyBars.most = Math.max(window.__trolyBars.most, distinct.length);
            const text = distinct.map(said).join(' | ');
            if (text && !window.__trolyBars.shown.includes(text)) window.__trolyBars.shown.push(text);
          };
          new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )
    admin.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    shown: list[str] = []
    bars: list[int] = [0]
    for _ in range(600):  # the elapsed-time counter is left out: the bar itself must move
        seen = admin.evaluate("() => window.__trolyBars")
        shown, bars = seen["shown"], [seen["most"]]
        files = [s for s in shown if "Tệp " in s]  # the queue's own states ("hàng đợi", "đang xử lý") come first
        if len(files) >= 3:
            break
        admin.wait_for_timeout(250)
    assert max(bars) == 1, bars  # one bar, not one over each of the five outputs
    assert len(files) >= 3, shown  # it moves within a file
    assert any("Tệp 1/2" in s for s in files) and any("đoạn" in s for s in files), shown
    assert english_in(shown) == [], shown
    reader.locator("#troly-indexing").get_by_text("Đang lập chỉ mục 2 tệp mới tải lên").wait_for(timeout=20_000)
    ask_with_enter(reader, GROWTH, 1)
    assert "Đang lập chỉ mục" in reader.locator("#troly-conversation .troly-notice").last.inner_text()
    admin.locator("#troly-upload-result").get_by_text(f"Đã nạp {paths[1].name}").wait_for()
    reader.wait_for_function("document.querySelector('#troly-indexing').innerText.trim() === ''", timeout=20_000)


# ---- 26.7 the evaluation chart shown whole; the report in Vietnamese ----------------------------------------------
def test_evaluation_charts_are_shown_whole_and_the_report_reads_vietnamese(page_for: Any, server: Any) -> None:  # noqa: F811
    page = page_for("quan_tri", DESKTOP)
    start_evaluation(page, 3)
    page.locator("#troly-eval-charts img").first.wait_for()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(500)
        charts = page.evaluate(
            """() => [...document.querySelectorAll('#troly-eval-charts img')].map((img) => {
              const r = img.getBoundingClientRect(), s = getComputedStyle(img);
              return {natural: img.naturalWidth / img.naturalHeight, shown: r.width / r.height, left: r.left,
                      right: r.right, fit: s.objectFit, loaded: img.complete && img.naturalWidth > 0};
            })"""
        )
        assert len(charts) >= 2, charts
        for c in charts:
            assert c["loaded"] and c["fit"] in ("fill", "contain"), c
            assert abs(c["natural"] - c["shown"]) < 0.02, c  # not cropped or stretched
            assert c["left"] >= 0 and c["right"] <= size["width"], c  # not wider than the screen
    href = page.locator("#troly-eval-report").get_by_role("link", name="Xem báo cáo đầy đủ").get_attribute("href")
    report = page.request.get(server["url"] + href).text()
    title = re.search(r"<h1>(.*?)</h1>", report).group(1)
    assert "ui-hybrid" not in title and "giao diện web" in title, title
    assert not re.search(r"<td>[a-z]+_[a-z_]+</td>", report)  # tags and settings by name, not by key
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", report)  # no raw UTC timestamp
