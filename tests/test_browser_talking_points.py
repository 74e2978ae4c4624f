"""The Soạn ý tab in a real browser (issue 22.5): the draft's [n] open the passage beside it like the chat's, the
.docx link sits next to the button that drafts (not below the draft), and a free-text subject drafts without a
topic. Uses the server, browser and login of tests/test_browser.py (same index: the guide and a secret guide).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser import admin, browser, open_tab, server  # noqa: F401 – fixtures shared with the UI tests

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]


def test_draft_citation_opens_the_passage_and_the_docx_link_is_beside_the_button(admin: Any) -> None:  # noqa: F811
    open_tab(admin, "Soạn ý")
    admin.get_by_role("button", name="Soạn dàn ý").click()
    admin.locator("#troly-docx a").wait_for()
    output = admin.locator("#troly-talking-points")
    output.locator(".troly-tp-cite").first.wait_for()
    link, button = admin.locator("#troly-docx a").bounding_box(), admin.locator("#troly-draft-go").bounding_box()
    assert abs(link["y"] - button["y"]) < 80  # on the button's row, not 2,000 px below the draft
    output.locator(".troly-point .troly-tp-cite, .point .troly-tp-cite").first.click()
    mark = admin.locator("#troly-tp-passage mark")
    mark.wait_for()
    assert mark.inner_text().strip() and "Tài liệu:" in admin.locator("#troly-tp-passage").inner_text()


def test_a_free_text_subject_drafts_without_a_topic(admin: Any) -> None:  # noqa: F811
    open_tab(admin, "Soạn ý")
    box = admin.locator("#troly-draft-about input, #troly-draft-about textarea").first
    box.fill("tỷ lệ giải ngân vốn đầu tư công và tăng trưởng kinh tế năm 2025")
    admin.get_by_role("button", name="Soạn dàn ý").click()
    output = admin.locator("#troly-talking-points")
    output.get_by_text("Chủ đề: tỷ lệ giải ngân vốn đầu tư công và tăng trưởng kinh tế năm 2025").wait_for()
    assert "6,42%" in output.inner_text()  # topic 1's Thực trạng, typed from the guide
    assert "[Đề xuất" not in admin.locator("#troly-talking-points").inner_text()
