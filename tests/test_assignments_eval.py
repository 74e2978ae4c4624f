"""The assignment measurement (eval/assignments_eval.py): matching, recall/precision per split, gold errors.

The documents here are built by hand with their assignments already set, so the measurement is tested on its
own (not through the extractor); every expected count was worked out by hand from the lists below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.assignments_eval import (
    DEFAULT_GOLD,
    GoldAssignment,
    GoldError,
    Scope,
    body_key,
    load_gold,
    measure_scope,
)
from ingest.model import Assignment, Document
from ui.cli import app

TEXT = (
    "I. TỔ CHỨC THỰC HIỆN\n"
    "1. Sở Nội vụ chủ trì, phối hợp với Sở Tài chính rà soát hồ sơ lưu trữ.\n"
    "2. Sở Y tế có trách nhiệm báo cáo tình hình hằng năm.\n"
    "3. Việc kiểm tra do Thanh tra tỉnh đảm nhận.\n"
    "II. KHÁC\n"
    "Sở Xây dựng chủ trì, phối hợp với Sở Giao thông vận tải lập quy hoạch kho.\n"
)


def _span(words: str) -> tuple[int, int]:
    line = next(ln for ln in TEXT.split("\n") if words in ln)
    start = TEXT.index(line)
    return start, start + len(line)


def _doc() -> Document:
    doc = Document("kh", "Kế hoạch", "kh.txt", "other", TEXT, "h")
    first, second, fourth = _span("Sở Nội vụ"), _span("Sở Y tế"), _span("Sở Xây dựng")
    doc.assignments = [
        Assignment("Sở Nội vụ (cơ quan chủ trì)", "rà soát hồ sơ lưu trữ", "chu_tri", "", *first),
        Assignment("Sở Tài chính", "rà soát hồ sơ lưu trữ", "phoi_hop", "", *first),
        Assignment("Sở Y tế", "báo cáo tình hình hằng năm", "chiu_trach_nhiem", "hằng năm", *second),
        Assignment("Sở Xây dựng", "lập quy hoạch kho", "chu_tri", "", *fourth),
        Assignment("Sở Giao thông vận tải", "lập quy hoạch kho", "phoi_hop", "", *fourth),
    ]
    return doc


TUNE = Scope("a", "kh.txt", "I. TỔ CHỨC THỰC HIỆN", "II. KHÁC", "tune")
REPORT = Scope("b", "kh.txt", "II. KHÁC", "(no end)", "report")
GOLD_A = [
    GoldAssignment("a-1", "a", "Sở Nội vụ", "chu_tri", "rà soát hồ sơ", with_=("Sở Tài chính",)),
    GoldAssignment("a-2", "a", "Sở Y tế", "chu_tri", "báo cáo tình hình", deadline="hằng năm"),
    GoldAssignment("a-3", "a", "Thanh tra tỉnh", "thuc_hien", "Việc kiểm tra"),
]
GOLD_B = [GoldAssignment("b-1", "b", "Sở Xây dựng", "chu_tri", "quy hoạch kho")]


def test_body_key_ignores_remarks_case_marks_and_a_leading_cac() -> None:
    assert body_key("Sở Tài chính (cơ quan chủ trì)") == body_key("sở tài chính")
    assert body_key("Các tỉnh uỷ, thành uỷ") == body_key("các tỉnh ủy, thành ủy")
    assert body_key("các Ủy ban của Quốc hội") == body_key("Ủy ban của Quốc hội")
    assert body_key("Bộ Tài chính") != body_key("Bộ Tài chính đánh giá kỹ")


def test_recall_precision_and_deadlines_of_a_scope() -> None:
    a = measure_scope([_doc()], TUNE, GOLD_A)
    # units: Sở Nội vụ, Sở Tài chính, Sở Y tế, Thanh tra tỉnh → the first three found; 3 extracted, all right
    assert (a.units, a.found, a.extracted, a.correct) == (4, 3, 3, 3)
    assert (a.deadlines, a.deadlines_right) == (1, 1)
    assert a.misses == ["a-3: Thanh tra tỉnh (chủ trì) — Việc kiểm tra"]
    b = measure_scope([_doc()], REPORT, GOLD_B)
    # one unit, found; two extracted, the co-operating Sở Giao thông vận tải is not in the gold → precision 1/2
    assert (b.units, b.found, b.extracted, b.correct) == (1, 1, 2, 1)
    assert (b.recall, b.precision) == (1.0, 0.5)


def test_a_role_that_does_not_fit_is_no_match() -> None:
    wrong = [GoldAssignment("a-1", "a", "Sở Tài chính", "chu_tri", "rà soát hồ sơ")]  # it only co-operates
    got = measure_scope([_doc()], TUNE, wrong)
    assert (got.units, got.found) == (1, 0)


def test_gold_errors_name_the_line_and_the_reason(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="không tìm thấy tệp đáp án"):
        load_gold(tmp_path / "none.jsonl")
    bad = tmp_path / "gold.jsonl"
    scope = {"scope": "s", "document": "x.txt", "start": "a", "end": "b", "split": "tune"}
    item = {"id": "s-1", "scope": "s", "body": "Bộ A", "role": "lanh_dao", "task": "việc"}
    bad.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (scope, item)), encoding="utf-8")
    with pytest.raises(GoldError, match=r"gold\.jsonl:2: vai trò 'lanh_dao' không hợp lệ"):
        load_gold(bad)
    item.update(role="chu_tri", scope="t")
    bad.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (scope, item)), encoding="utf-8")
    with pytest.raises(GoldError, match="phạm vi 't' chưa được khai báo"):
        load_gold(bad)


def test_the_committed_gold_has_both_splits_and_six_documents_or_more() -> None:
    scopes, gold = load_gold(DEFAULT_GOLD)
    assert {s.split for s in scopes} == {"tune", "report"}
    assert len({s.document for s in scopes}) >= 6
    assert len(gold) >= 150


def test_cli_says_which_document_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "assignments", "--shared", str(tmp_path)])
    assert result.exit_code == 1
    assert "không tìm thấy văn bản" in result.output
    assert "Traceback" not in result.output
