"""The drafting desk in a real browser (issue 25): the "So sánh dự thảo" tab compares two uploaded versions,
shows the table and downloads the bảng so sánh .docx; "Đối chiếu số liệu" reads only documents within
clearance. Fixtures and helpers are those of tests/test_browser.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document as DocxDocument

from tests.test_browser import admin, browser, choose_file, open_tab, reader, server  # noqa: F401  (fixtures)
from tests.test_compare_api import NEW, OLD

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]


def test_compare_tab_shows_the_changes_and_downloads_the_docx(admin: Any, tmp_path: Path) -> None:  # noqa: F811
    old, new = tmp_path / "du-thao-lan-1.txt", tmp_path / "du-thao-lan-2.txt"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    open_tab(admin, "So sánh dự thảo")
    choose_file(admin, "#troly-compare-old", old)
    choose_file(admin, "#troly-compare-new", new)
    admin.locator("#troly-compare-run").click()
    table = admin.locator("#troly-compare-table")
    table.wait_for()
    rows = table.locator("tr.troly-change")
    assert rows.count() == 2
    first = rows.nth(0).locator("td")
    assert first.nth(0).inner_text() == "- Tăng trưởng kinh tế đạt 7,5% so với năm trước."
    assert first.nth(1).inner_text() == "- Tăng trưởng kinh tế đạt 8% so với năm trước."
    assert "Số liệu: Tăng trưởng kinh tế đạt 7,5% → 8%" in first.nth(2).inner_text()
    assert "Cơ quan: Sở Nội vụ chủ trì → Sở Tư pháp chủ trì" in rows.nth(1).inner_text()
    with admin.expect_download() as info:
        admin.get_by_text("Tải bảng so sánh (.docx)").click()
    saved = tmp_path / "bang-so-sanh.docx"
    info.value.save_as(str(saved))
    header = [c.text for c in DocxDocument(str(saved)).tables[-1].rows[0].cells]
    assert header == ["Nội dung dự thảo lần trước", "Nội dung dự thảo này", "Ghi chú"]


def test_figures_tab_counts_only_documents_within_clearance(admin: Any, reader: Any) -> None:  # noqa: F811
    for page, documents in ((reader, "1 văn bản"), (admin, "2 văn bản")):
        open_tab(page, "Đối chiếu số liệu")
        page.locator("#troly-figures-run").click()
        summary = page.locator(".troly-figures-summary")
        summary.wait_for()
        assert f"số liệu trong {documents}" in summary.inner_text()


def test_chat_follow_up_is_rewritten_shown_and_a_new_chat_starts_clean(reader: Any) -> None:  # noqa: F811
    open_tab(reader, "Hỏi đáp")
    reader.get_by_role("button", name="Xoá hội thoại").click()
    reader.wait_for_function("() => document.querySelectorAll('#troly-conversation .troly-a').length === 0")
    for question in ("Chuyên đề 2 do những đơn vị nào chuẩn bị thảo luận?", "còn chuyên đề 3 thì sao?"):
        reader.locator("#troly-question textarea").fill(question)
        reader.get_by_role("button", name="Gửi câu hỏi").click()
        reader.locator("#troly-send button, button#troly-send").first.wait_for(state="visible")
        reader.wait_for_function(
            "() => !document.querySelector('#troly-conversation .pending')"
            " && document.querySelectorAll('#troly-conversation .troly-a').length >= 1"
        )
    answers = reader.locator("#troly-conversation .troly-a")
    reader.wait_for_function("() => document.querySelectorAll('#troly-conversation .troly-a').length === 2")
    assert "Sở Tư pháp" in answers.last.inner_text()
    notice = reader.locator("#troly-conversation .troly-notice").last.inner_text()
    assert "Câu hỏi được hiểu là: “Chuyên đề 3 do những đơn vị nào chuẩn bị thảo luận?”" in notice
    # the clear empties the chat, never the question box, so text typed meanwhile is kept; the new question is
    # sent once the chat is seen cleared (as a user sees it), i.e. once this tab holds no conversation any more
    reader.get_by_role("button", name="Xoá hội thoại").click()
    reader.locator("#troly-question textarea").fill("còn chuyên đề 3 thì sao?")
    reader.wait_for_function("() => document.querySelectorAll('#troly-conversation .troly-a').length === 0")
    assert reader.locator("#troly-question textarea").input_value() == "còn chuyên đề 3 thì sao?"
    reader.get_by_role("button", name="Gửi câu hỏi").click()
    reader.wait_for_function(
        "() => document.querySelectorAll('#troly-conversation .troly-a').length === 1"
        " && !document.querySelector('#troly-conversation .pending')"
    )
    assert "Câu hỏi được hiểu là" not in reader.locator("#troly-conversation").inner_text()
