"""Bounded fuzz test (issue 12) of the loaders, the normaliser, the splitter and structure detection.

Generated text mixes Vietnamese syllables, document codes, headings and layout lines of
party and state documents, control characters and arbitrary (surrogate-free) Unicode; real
.docx and .pdf files built here are then flipped and truncated byte by byte. Whatever comes
in, ingest either returns documents whose spans are inside the text and whose chunks quote
it exactly, or raises its one clear error (IngestFileError) — never anything else.
Derandomised and small (a few dozen examples per test) so it runs in well under a minute.
"""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import IngestFileError
from ingest.normalize import fold, normalize_text
from ingest.pipeline import process_documents
from ingest.sentences import sentence_spans

pytestmark = pytest.mark.timeout(300)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

_WORDS = (
    "Đảng bộ tỉnh nghị quyết thủy hoà qủa giải ngân vốn đầu tư công Ủy ban nhân dân chuyển đổi số "
    "cán bộ chủ chốt thực hiện nhiệm vụ phối hợp chủ trì báo cáo kết quả năm tháng ngày Khánh Hòa "
    "Trần Minh Khôi ĐỘT PHÁ khoa học công nghệ đổi mới sáng tạo quý"
)
SYLLABLES = _WORDS.split()
CODES = ["36-NQ/TW", "57-NQ/TW", "30/2020/NĐ-CP", "3260-KH/ĐĐQH15", "KH&CN", "12/TTr-BNV", "TP.", "6,42%", "1.234"]
LAYOUT = [
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐẢNG ỦY CHÍNH PHỦ",
    "Số: 12-KH/TU",
    "*",
    "MẬT",
    "KẾ HOẠCH",
    "BÁO CÁO",
    "Hà Nội, ngày 10 tháng 01 năm 2025",
    "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;",
    "I. TÌNH HÌNH",
    "II- NHIỆM VỤ",
    "Điều 3. Phạm vi",
    "Chương I",
    "Phụ lục 1",
    "1. Hạ tầng số",
    "a) Bộ Tài chính chủ trì, phối hợp với Bộ Nội vụ, hoàn thành trong Quý II/2025.",
    "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%.",
    "- Vấn đề thảo luận: Giải pháp nào?",
    "Nơi nhận:",
    "- Như trên,",
    "- Lưu VPTW.",
    "T/M BAN THƯỜNG VỤ",
    "BÍ THƯ",
    "Nguyễn Văn A",
    "| Chỉ tiêu | 2025 |",
]
JUNK = ["\x00", "\x07", "\x0b", "\x0c", "\r", "\t", "\u200b", "\ufeff", "\u00ad", "\u2028", "\u0301", "ﬁ", "İ", "  "]

UNICODE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
"""Any code point except surrogates (the API refuses those with a 422 before ingest sees them)."""
SENTENCE = st.lists(st.sampled_from(SYLLABLES + CODES), min_size=1, max_size=25).map(
    lambda words: " ".join(words) + "."
)
PIECE = st.one_of(SENTENCE, st.sampled_from(LAYOUT), st.sampled_from(JUNK), UNICODE)
SEPARATORS = st.sampled_from(["\n", "\n\n", " ", "\n\n\n", "\r\n"])


@st.composite
def documents(draw: st.DrawFn, max_pieces: int = 30) -> str:
    pieces = draw(st.lists(PIECE, min_size=1, max_size=max_pieces))
    return "".join(p + draw(SEPARATORS) for p in pieces)


VIETNAMESE = st.lists(st.one_of(SENTENCE, st.sampled_from(LAYOUT)), min_size=1, max_size=12).map("\n".join)


def count_tokens(text: str) -> int:
    """A deterministic stand-in for the model's token count (the fuzz targets are ingest, not the embedder)."""
    return len(text.split()) + 2


def check_ingested(path: Path) -> None:
    """The contract of ingest on any input: documents with exact spans, or IngestFileError."""
    try:
        results, _warning = process_documents(path, count_tokens, chunk_tokens=48, overlap=1)
    except IngestFileError as exc:
        assert exc.reason and "\n" not in str(exc)
        return
    assert results
    for doc, chunks in results:
        n = len(doc.text)
        for chunk in chunks:
            assert 0 <= chunk.start <= chunk.end <= n, (chunk.start, chunk.end, n)
            assert doc.text[chunk.start : chunk.end] == chunk.text
        for heading in doc.headings:
            assert 0 <= heading.start <= heading.end <= n
        for name, (lo, hi) in doc.meta.spans.items():
            assert 0 <= lo <= hi <= n, name
        for a in doc.assignments:
            assert 0 <= a.start <= a.end <= n
        for topic in doc.topics:
            assert 0 <= topic.start <= topic.end <= n


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


_names = itertools.count()


def write(work: Path, suffix: str, data: bytes) -> Path:
    path = work / f"fuzz-{next(_names)}{suffix}"
    path.write_bytes(data)
    return path


# ---- the normaliser and the splitter ----------------------------------------------------------------
@FUZZ
@given(text=documents())
def test_normalize_and_fold_never_fail_and_fold_is_a_clean_key(text: str) -> None:
    normalized = normalize_text(text)
    assert isinstance(normalized, str)
    key = fold(text)
    assert key == key.strip() and "  " not in key and "\n" not in key
    assert fold(normalized) == key  # tone placement never changes the comparison key


@FUZZ
@given(text=VIETNAMESE)
def test_fold_of_vietnamese_text_is_lowercase_ascii(text: str) -> None:
    key = fold(text)
    assert key.isascii() and key == key.lower(), key
    assert re.search(r"[a-z]", key)


@FUZZ
@given(text=documents(), data=st.data())
def test_sentence_spans_are_ordered_stripped_and_within_bounds(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    spans = sentence_spans(text, start, end)
    previous = start
    for lo, hi in spans:
        assert previous <= lo < hi <= end, (previous, lo, hi, end)
        piece = text[lo:hi]
        assert piece == piece.strip() and piece
        previous = hi


# ---- loaders and structure detection on generated files ------------------------------------------------
@FUZZ
@given(text=documents())
def test_txt_file_of_generated_text(work: Path, text: str) -> None:
    check_ingested(write(work, ".txt", text.encode("utf-8")))


@FUZZ
@given(text=documents(), raw=st.binary(max_size=200))
def test_txt_file_of_bytes_in_any_encoding(work: Path, text: str, raw: bytes) -> None:
    check_ingested(
        write(work, ".txt", text.encode("utf-16") if len(raw) % 2 else raw + text.encode("cp1258", "replace"))
    )


@FUZZ
@given(text=documents())
def test_html_file_of_generated_text(work: Path, text: str) -> None:
    body = "".join(
        f"<p>{line}</p>" if i % 3 else f"<h2>{line}</h2><script>x()</script>" for i, line in enumerate(text.split("\n"))
    )
    check_ingested(write(work, ".html", f"<html><head><title>{text[:30]}</title></head><body>{body}".encode()))


XML_SAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A real .docx (python-docx) with headings and a table; XML-illegal characters left out (Word cannot hold them)."""
    from docx import Document as DocxDocument

    document = DocxDocument()
    for i, text in enumerate(paragraphs):
        clean = XML_SAFE.sub("", text)
        if i % 5 == 1:
            document.add_heading(clean[:80], level=1 + i % 3)
        else:
            document.add_paragraph(clean)
    table = document.add_table(rows=2, cols=2)
    for cell, value in zip(table._cells, ["Chỉ tiêu", "2025", "Giải ngân", "75%"], strict=True):
        cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@settings(FUZZ, max_examples=12)
@given(text=documents(max_pieces=12))
def test_docx_file_of_generated_text(work: Path, text: str) -> None:
    check_ingested(write(work, ".docx", docx_bytes(text.split("\n"))))


# ---- mutated real files ------------------------------------------------------------------------------
SEED_LINES = [
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "KẾ HOẠCH",
    "Thực hiện Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Bộ Tài chính chủ trì, phối hợp với Bộ Nội vụ hoàn thành trong Quý II/2025.",
    "Nơi nhận:",
    "T/M BAN THƯỜNG VỤ",
]


@pytest.fixture(scope="module")
def seed_docx() -> bytes:
    return docx_bytes(SEED_LINES)


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(font).exists():
        pytest.skip(f"{font} missing (fonts-dejavu-core): no Vietnamese PDF to mutate")
    pdfmetrics.registerFont(TTFont("DejaVu", font))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("DejaVu", 12)
    for i, line in enumerate(SEED_LINES * 3):
        page.drawString(72, 780 - 16 * i, line)
    page.save()
    return buffer.getvalue()


MUTATIONS = st.tuples(
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    st.one_of(st.none(), st.floats(0, 1)),
)
"""(byte flips at relative positions, optional truncation at a relative length)."""


def mutate(data: bytes, mutation: tuple[list[tuple[float, int]], float | None]) -> bytes:
    flips, cut = mutation
    out = bytearray(data)
    for where, value in flips:
        out[int(where * len(out))] = value
    return bytes(out if cut is None else out[: int(cut * len(out))])


@settings(FUZZ, max_examples=50)
@given(mutation=MUTATIONS)
def test_mutated_docx(work: Path, seed_docx: bytes, mutation: tuple) -> None:
    check_ingested(write(work, ".docx", mutate(seed_docx, mutation)))


@settings(FUZZ, max_examples=50)
@given(mutation=MUTATIONS)
def test_mutated_pdf(work: Path, seed_pdf: bytes, mutation: tuple) -> None:
    check_ingested(write(work, ".pdf", mutate(seed_pdf, mutation)))


def test_unmutated_seeds_are_ingested(work: Path, seed_docx: bytes, seed_pdf: bytes) -> None:
    """Positive control: the seeds themselves load, so the mutation tests exercise the parsers, not a broken seed."""
    for suffix, data in ((".docx", seed_docx), (".pdf", seed_pdf)):
        results, _ = process_documents(write(work, suffix, data), count_tokens, chunk_tokens=48)
        assert "Bộ Tài chính chủ trì" in results[0][0].text
