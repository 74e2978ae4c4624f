"""Chunks: exact offsets, sentence bounds, token budget (real e5 tokenizer), topic/field boundaries."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from ingest.chunking import chunk_document, document_sections
from ingest.model import Chunk, Document
from ingest.pipeline import load_document
from ingest.sentences import sentence_spans
from ingest.structure import parse_structure
from rag.embeddings import make_embeddings

ROOT = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def count_tokens():
    from rag.settings import Settings

    return make_embeddings(Settings(), cached=False).count_tokens


@pytest.fixture(scope="module")
def guide() -> Document:
    return load_document(ROOT / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt", root=ROOT)


@pytest.fixture(scope="module")
def small_chunks(guide, count_tokens) -> list[Chunk]:
    """Small budget so that sections really are split and overlap is exercised."""
    return chunk_document(guide, count_tokens, chunk_tokens=48, overlap=1)


def test_every_chunk_slices_back_exactly(guide, small_chunks):
    assert small_chunks
    for chunk in small_chunks:
        assert guide.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()


def test_chunks_fit_the_token_budget(small_chunks, count_tokens):
    over = [c for c in small_chunks if count_tokens(c.text) > 48]
    assert not over, [(c.chunk_id, count_tokens(c.text)) for c in over]


def test_chunks_never_cross_topic_or_field(guide, small_chunks):
    for chunk in small_chunks:
        if chunk.topic is None:
            assert chunk.section == "Mở đầu"
            assert chunk.end <= guide.topics[0].start
            continue
        topic = guide.topics[chunk.topic - 1]
        assert topic.start <= chunk.start and chunk.end <= topic.end
        assert chunk.topic_title == topic.title
        assert chunk.organisations == topic.organisations
        if chunk.section in topic.field_spans:
            field_start, field_end = topic.field_spans[chunk.section]
            assert guide.text.rfind("\n", 0, field_start) < chunk.start and chunk.end <= field_end
        else:
            assert chunk.section == topic.title


@pytest.fixture(scope="module")
def medium_chunks(guide, count_tokens) -> list[Chunk]:
    """A budget above every corpus sentence: chunks must then be whole sentences."""
    return chunk_document(guide, count_tokens, chunk_tokens=96, overlap=1)


def test_chunks_are_whole_sentences(guide, medium_chunks):
    boundaries = set()
    for section in document_sections(guide):
        for s, e in sentence_spans(guide.text, section.start, section.end):
            boundaries.update({("s", s), ("e", e)})
    for chunk in medium_chunks:
        assert ("s", chunk.start) in boundaries and ("e", chunk.end) in boundaries, chunk.text


@pytest.mark.parametrize("budget", [96, 128])
def test_overlap_repeats_sentences_and_always_progresses(guide, count_tokens, budget):
    chunks = chunk_document(guide, count_tokens, chunk_tokens=budget, overlap=1)
    same = [(a, b) for a, b in pairwise(chunks) if a.section == b.section and a.topic == b.topic]
    assert same, f"budget {budget} must split at least one section"
    assert any(b.start < a.end for a, b in same)
    assert all(b.start > a.start and b.end > a.end for a, b in same)
    without = chunk_document(guide, count_tokens, chunk_tokens=budget, overlap=0)
    assert all(b.start >= a.end for a, b in pairwise(without))


def test_default_budget_keeps_fields_whole(guide, count_tokens):
    chunks = chunk_document(guide, count_tokens)
    fields = {(c.topic, c.section) for c in chunks if c.topic and c.section != c.topic_title}
    assert len(fields) == 15  # 5 topics x 3 fields
    assert {c.topic for c in chunks} == {None, 1, 2, 3, 4, 5, 6}
    assert all(count_tokens(c.text) <= 256 for c in chunks)


def test_chunk_metadata(guide, small_chunks):
    first_field = next(c for c in small_chunks if c.section == "Các TCCS Đảng chuẩn bị thảo luận")
    assert first_field.topic == 1
    assert first_field.organisations[0] == "Đảng bộ Sở Tài chính"
    assert first_field.doc_id == guide.doc_id and first_field.doc_title == guide.title
    assert first_field.doc_type == "topic_guide" and first_field.classification == "public"
    assert first_field.page is None
    assert "đảng_bộ" in first_field.segmented.split()
    assert first_field.chunk_id == f"{guide.doc_id}:{first_field.start}-{first_field.end}:{first_field.hash[:8]}"
    round_trip = Chunk.from_metadata(first_field.text, first_field.to_metadata())
    assert round_trip == first_field


def test_chunk_ids_are_stable(guide, count_tokens, small_chunks):
    again = chunk_document(guide, count_tokens, chunk_tokens=48, overlap=1)
    assert [c.chunk_id for c in again] == [c.chunk_id for c in small_chunks]
    assert len({c.chunk_id for c in small_chunks}) == len(small_chunks)


def test_overlong_sentence_is_cut_at_words(count_tokens):
    sentence = " ".join(["cán bộ đảng viên thực hiện nhiệm vụ"] * 60) + "."
    text = f"1. Chủ đề\n- Thực trạng: {sentence}\n2. Khác\nnội dung."
    structure = parse_structure(text)
    doc = Document(
        doc_id="dai",
        title="t",
        path="dai.txt",
        doc_type=structure.doc_type,
        text=text,
        source_hash="x",
        topics=structure.topics,
    )
    chunks = chunk_document(doc, count_tokens, chunk_tokens=64, overlap=0)
    field_chunks = [c for c in chunks if c.section == "Thực trạng"]
    assert len(field_chunks) > 3
    assert all(count_tokens(c.text) <= 64 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert field_chunks[-1].text.endswith("nhiệm vụ.")


def test_an_overlong_enumeration_is_cut_after_its_items_not_inside_one(count_tokens):
    # written for this test: an enumeration of policies, one sentence, far over the budget
    items = [
        "cơ chế thử nghiệm công nghệ mới, mô hình kinh doanh mới",
        "chính sách đào tạo nguồn nhân lực chất lượng cao cho chuyển đổi số",
        "cơ chế phát triển hạ tầng số hiện đại và các trung tâm dữ liệu",
        "chính sách bảo đảm dữ liệu thành tài nguyên sản xuất quan trọng",
    ] * 4
    text = "1. Chủ đề\n- Thực trạng: Xây dựng " + "; ".join(items) + ".\n2. Khác\nnội dung."
    structure = parse_structure(text)
    doc = Document(
        doc_id="liet-ke", title="t", path="liet-ke.txt", doc_type=structure.doc_type, text=text,
        source_hash="x", topics=structure.topics,
    )  # fmt: skip
    chunks = chunk_document(doc, count_tokens, chunk_tokens=64, overlap=0)
    pieces = [c.text for c in chunks if c.section == "Thực trạng"]
    assert len(pieces) > 2
    assert all(p.endswith(";") for p in pieces[:-1]), pieces
    assert all(p.startswith(("cơ chế", "chính sách")) for p in pieces[1:]), pieces


# ---- issue 26 point 6: no passage (and no context shown around one) runs into another topic or top-level section


def test_passage_of_topic_5_opens_without_topic_4_text(guide, count_tokens):
    """The viewer opened the heading passage of chuyên đề 5 on chuyên đề 4's last lines."""
    from ingest.chunking import passage_window

    chunks = chunk_document(guide, count_tokens)
    heading = next(c for c in chunks if c.topic == 5 and c.text.startswith("5. Chủ động ứng phó thiên tai"))
    lo, hi = passage_window(guide, heading.start, heading.end)
    shown = guide.text[lo:hi]
    assert shown.startswith("5. Chủ động ứng phó thiên tai")
    assert "Viễn thông tỉnh" not in shown  # the last words of chuyên đề 4
    assert "Thực trạng: Năm 2025, thiên tai" in shown  # still widened inside its own topic


def test_no_chunk_of_the_guide_holds_two_topic_headings(guide, count_tokens):
    headings = [
        "1. Giải quyết",
        "2. Vận hành mô hình",
        "3. Khắc phục tâm lý",
        "4. Đột phá chuyển đổi số",
        "5. Chủ động",
    ]
    for chunk in chunk_document(guide, count_tokens, chunk_tokens=512, overlap=2):
        assert sum(h in chunk.text for h in headings) <= 1, chunk.text[:80]


@pytest.fixture(scope="module")
def party_docs() -> dict[str, list[Document]]:
    from conftest import SHARED_DATA

    from ingest.pipeline import ingest_files
    from rag.settings import Settings

    if not (SHARED_DATA / "party_docs").is_dir():
        pytest.skip(f"party documents not found at {SHARED_DATA / 'party_docs'} (../shared/data is absent)")
    count = make_embeddings(Settings(), cached=False).count_tokens
    names = ["kh0204-kh-ubnd-camau_2025-11-24.txt", "qd2820-qd-ubnd-hcm_2025-11-19.txt", "qd383-qd-tw_2025-11-19.txt"]
    result = ingest_files([SHARED_DATA / "party_docs" / n for n in names], count, 256, 1)
    return {n: [c for c in result.chunks if c.doc_id.startswith(n)] for n in names}


def _together(chunks: list[Chunk], a: str, b: str) -> list[str]:
    return [c.chunk_id for c in chunks if a in c.text and b in c.text]


def test_one_line_items_closing_part_i_stay_out_of_part_ii(party_docs):
    """Kế hoạch 0204/KH-UBND: "d) Chi thực hiện …" (last item of part I) was chunked with "II. DỰ BÁO …"."""
    chunks = party_docs["kh0204-kh-ubnd-camau_2025-11-24.txt"]
    assert _together(chunks, "d) Chi thực hiện các chương trình mục tiêu", "II. DỰ BÁO CÁC CHỈ TIÊU") == []
    assert any(c.text.startswith("II. DỰ BÁO CÁC CHỈ TIÊU") for c in chunks)


def test_articles_of_a_decision_are_separate_passages(party_docs):
    """Quyết định 2820/QĐ-UBND: the one-line Điều 2 was merged into Điều 3's passage."""
    chunks = party_docs["qd2820-qd-ubnd-hcm_2025-11-19.txt"]
    assert _together(chunks, "Điều 2. Quyết định này có hiệu lực", "Điều 3. Chánh Văn phòng") == []


def test_chapter_iv_of_a_regulation_starts_its_own_passage(party_docs):
    """Quy định 383-QĐ/TW: items 7 and 8 of chapter III opened chapter IV's passage."""
    chunks = party_docs["qd383-qd-tw_2025-11-19.txt"]
    assert _together(chunks, "8. Việc mang tài liệu lưu trữ có chứa bí mật", "IV- TỔ CHỨC THỰC HIỆN") == []


_PLAN_HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH HÒA BÌNH\nSố: 12/KH-UBND\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Hòa Bình, ngày 3 tháng 3 năm 2025\n\nKẾ HOẠCH\nThu gom rác thải nông thôn năm 2025\n\n"
    "I. MỤC ĐÍCH\nGiảm lượng rác thải chôn lấp tại các xã trong năm 2025 so với năm 2024.\n\n"
    "II. TỔ CHỨC THỰC HIỆN\n1. Sở Nông nghiệp và Môi trường chủ trì hướng dẫn các xã phân loại rác thải tại nguồn "
    "theo quy định hiện hành và tổng hợp kết quả gửi Ủy ban nhân dân tỉnh.\n"
)
_PLAN_CLOSE = (
    "Nơi nhận:\n- Thường trực Tỉnh ủy (b/c);\n- Các sở, ngành;\n- Ủy ban nhân dân các xã;\n- Lưu: VT.\n\n"
    "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Văn Thắm\n"
)


def _sections_of(tmp_path: Path, text: str) -> tuple[Document, list]:
    path = tmp_path / "ke-hoach-12.txt"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path, root=tmp_path)
    return doc, document_sections(doc)


def _section_holding(doc: Document, sections: list, words: str):
    at = doc.text.index(words)
    return next(s for s in sections if s.start <= at < s.end)


def test_one_line_items_before_the_signature_are_body_not_the_closing_block(tmp_path: Path) -> None:
    """Quy định 383-QĐ/TW ended with one-line items ("4. …", "5. …") right above "Nơi nhận": each was taken for
    a bare heading waiting for its text, and the closing block's passage began with them."""
    from ingest.chunking import CLOSING_SECTION

    body = (
        "2. Các xã báo cáo kết quả thu gom trước ngày 15 tháng 12 năm 2025.\n"
        "3. Kinh phí thực hiện do ngân sách xã bảo đảm theo phân cấp hiện hành.\n\n"
    )
    doc, sections = _sections_of(tmp_path, _PLAN_HEAD + body + _PLAN_CLOSE)
    assert _section_holding(doc, sections, "3. Kinh phí thực hiện").label != CLOSING_SECTION
    assert _section_holding(doc, sections, "2. Các xã báo cáo").label != CLOSING_SECTION
    closing = _section_holding(doc, sections, "Nơi nhận:")
    assert closing.label == CLOSING_SECTION
    assert doc.text[closing.start : closing.end].lstrip().startswith("Nơi nhận:")


def test_a_form_attached_after_the_signature_has_its_own_sections(tmp_path: Path) -> None:
    """Kế hoạch 0204/KH-UBND attaches "Mẫu biểu số 01" … "05" after the signature: their tables were cited under
    "Nơi nhận, chữ ký". A form is an attached part, whatever word its title begins with."""
    from ingest.chunking import CLOSING_SECTION

    forms = (
        "\nMẫu số 02\n\nTỔNG HỢP KẾT QUẢ THU GOM RÁC THẢI CÁC XÃ NĂM 2025\n"
        "(Kèm theo Kế hoạch số 12/KH-UBND ngày 3/3/2025 của Ủy ban nhân dân tỉnh Hòa Bình)\n\n"
        "STT | Xã | Khối lượng thu gom (tấn) | Tỷ lệ phân loại tại nguồn (%)\n"
        "1 | Xã Tân Lạc | 1.250 | 45\n2 | Xã Mai Hạ | 980 | 38\n"
    )
    doc, sections = _sections_of(tmp_path, _PLAN_HEAD + "\n" + _PLAN_CLOSE + forms)
    row = _section_holding(doc, sections, "1 | Xã Tân Lạc")
    assert row.label != CLOSING_SECTION
    assert doc.heading_path_at(doc.text.index("1 | Xã Tân Lạc")).startswith("Mẫu số 02")
    assert _section_holding(doc, sections, "Nguyễn Văn Thắm").label == CLOSING_SECTION
    assert "Xã Tân Lạc" not in doc.text[_section_holding(doc, sections, "Nơi nhận:").start :].split("Mẫu số 02")[0]


def test_the_forms_of_plan_0204_are_cited_under_their_own_titles(party_docs):
    """The same on the real document: the GRDP row of Mẫu biểu số 01, and the last item of Quy định 383."""
    grdp = next(c for c in party_docs["kh0204-kh-ubnd-camau_2025-11-24.txt"] if "Tốc độ tăng trưởng GRDP" in c.text)
    assert grdp.heading_path.startswith("Mẫu biểu số 01"), grdp.heading_path
    last = next(c for c in party_docs["qd383-qd-tw_2025-11-19.txt"] if "Các nội dung không quy định" in c.text)
    assert last.section != "Nơi nhận, chữ ký"
