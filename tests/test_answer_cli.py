"""``troly ask`` and ``troly draft`` on the real corpus index (through the real Typer app)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from answer_corpus import CorpusIndex, corpus_index
from typer.testing import CliRunner

from rag.generators.base import REFUSAL_TEXT
from ui.cli import app

pytestmark = pytest.mark.slow  # shares the session's real-corpus index

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus() -> CorpusIndex:
    return corpus_index()


def troly(corpus: CorpusIndex, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["--data-dir", str(corpus.data_dir), *args], input=stdin)
    return result.exit_code, result.stdout


def test_ask_prints_answer_and_sources(corpus: CorpusIndex) -> None:
    code, out = troly(corpus, "ask", "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?")
    assert code == 0, out
    assert "6,42%" in out and "[1]" in out
    assert "Nguồn:" in out and "chuyên đề 1" in out


def test_ask_json_has_the_contract_keys(corpus: CorpusIndex) -> None:
    code, out = troly(corpus, "ask", "Năm 2025 thiên tai gây thiệt hại bao nhiêu?", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert {"answer", "refused", "citations"} <= data.keys()
    assert data["refused"] is False and "trên 1.500 tỷ đồng" in data["answer"]
    citation = data["citations"][0]
    assert {"document", "topic", "section", "quote", "start", "end"} <= citation.keys()
    doc = corpus.index.get_document(citation["doc_id"])
    assert doc is not None and doc.text[citation["start"] : citation["end"]] == citation["quote"]
    assert citation["topic"] == 5


def test_ask_json_stdin_answers_one_object_per_line(corpus: CorpusIndex) -> None:
    questions = "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?\n\nDân số của tỉnh năm 2025 là bao nhiêu?\n"
    code, out = troly(corpus, "ask", "--json", "-", stdin=questions)
    assert code == 0, out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [d["refused"] for d in lines] == [False, True]
    assert lines[1]["answer"] == REFUSAL_TEXT and lines[1]["citations"] == []


def test_ask_topic_filter(corpus: CorpusIndex) -> None:
    code, out = troly(corpus, "ask", "Giải pháp nào được nêu?", "--topic", "4", "--k", "3", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert all(c["topic"] == 4 for c in data["citations"])


def test_ask_on_empty_collection_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "empty"), "ask", "Câu hỏi?"])
    assert result.exit_code == 1
    assert "troly ingest" in result.output and "Traceback" not in result.output


def test_draft_prints_points_and_writes_docx(corpus: CorpusIndex, tmp_path: Path) -> None:
    out_path = tmp_path / "tham-luan.docx"
    code, out = troly(corpus, "draft", "--topic", "5", "--org", "Đảng bộ Sở Xây dựng", "--docx", str(out_path))
    assert code == 0, out
    assert "Đảng bộ Sở Xây dựng" in out and "trên 1.500 tỷ đồng" in out and "Nguồn:" in out
    body = "\n".join(p.text for p in docx.Document(str(out_path)).paragraphs)
    # topic 5's first discussion question is the point's heading, its Thực trạng sentence the point (from the guide)
    assert "Chuyên đề 5" in body and "Bài học từ công tác ứng phó thiên tai, bão lũ cuối năm 2025" in body
    assert "thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng)" in body and "[Đề xuất" not in body


def test_draft_json_and_warning(corpus: CorpusIndex) -> None:
    code, out = troly(corpus, "draft", "--topic", "3", "--org", "Đảng bộ Viễn thông tỉnh", "--points", "3", "--json")
    assert code == 0, out
    data = json.loads(out)
    # topic 3's discussion questions, typed from the guide: a point stands under one of them, never repeats it
    questions = (
        "Thảo luận về cơ chế bảo vệ cán bộ",
        "Cần cụ thể hóa “cơ chế bảo vệ cán bộ”",
        "Làm sao để lượng hóa tiêu chí “dám làm”",
        "Đề xuất các tiêu chí đánh giá cán bộ",
    )
    assert data["topic"] == 3 and 1 <= len(data["points"]) <= 3
    for point in data["points"]:
        assert point["heading"].startswith(questions) and point["text"] != point["heading"]
    # the organisation is not one assigned to topic 3, and fewer points than asked are said, not padded
    assert "Đảng bộ Viễn thông tỉnh" in data["warning"] and "Đảng bộ Sở Nội vụ" in data["warning"]
    assert len(data["points"]) == 3 or "(đã yêu cầu 3)" in data["warning"]
    assert all(c["topic"] in (3, None) for c in data["citations"])


def test_draft_unknown_topic_is_one_clear_line(corpus: CorpusIndex) -> None:
    result = runner.invoke(app, ["--data-dir", str(corpus.data_dir), "draft", "--topic", "42"])
    assert result.exit_code == 1
    assert "chuyên đề số 42" in result.output and "Traceback" not in result.output


def test_draft_tone_and_length(corpus: CorpusIndex, tmp_path: Path) -> None:
    base = ["draft", "--topic", "1", "--points", "3", "--json"]
    code, out = troly(corpus, *base)
    assert code == 0, out
    formal = json.loads(out)
    code, out = troly(corpus, *base, "--tone", "ngan_gon", "--length", "ngan")
    assert code == 0, out
    brief = json.loads(out)
    assert (brief["tone"], brief["length"]) == ("ngan_gon", "ngan")
    assert brief["opening"] != formal["opening"] and brief["citations"] == formal["citations"]
    # a point is a position composed of cited sentences: no placeholder direction in any tone (issue 22)
    assert all(not p["direction"] for p in brief["points"] + formal["points"])
    assert [p["heading"] for p in brief["points"]] == [p["heading"] for p in formal["points"]]
    out_path = tmp_path / "de-xuat.docx"
    code, out = troly(
        corpus, "draft", "--topic", "1", "--tone", "de_xuat", "--length", "day_du", "--docx", str(out_path)
    )
    assert code == 0, out
    assert "Giọng văn: Nhấn mạnh đề xuất" in out and "Độ dài: Đầy đủ" in out
    assert "trưởng kinh tế năm 2025 đạt 6,42%" in out  # topic 1's Thực trạng, as the guide writes it
    # Regression (issue 14): the internal option was printed into the document the speech-writer hands out.
    assert "Giọng văn" not in "\n".join(p.text for p in docx.Document(str(out_path)).paragraphs)


@pytest.mark.parametrize(
    ("option", "value", "allowed"), [("--tone", "vui_ve", "trang_trong"), ("--length", "dai", "day_du")]
)
def test_draft_invalid_tone_or_length_is_one_clear_line(
    corpus: CorpusIndex, option: str, value: str, allowed: str
) -> None:
    result = runner.invoke(app, ["--data-dir", str(corpus.data_dir), "draft", "--topic", "1", option, value])
    assert result.exit_code == 2
    assert f"{option} không hợp lệ: '{value}'" in result.output and allowed in result.output
    assert "Traceback" not in result.output
