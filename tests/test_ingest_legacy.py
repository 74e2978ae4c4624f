"""TCVN3 (ABC) and VNI legacy-font text is recognised and converted back to Unicode."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.legacy_encoding import TCVN3, VNI, convert_legacy, detect_legacy_encoding, encode_legacy
from ingest.pipeline import load_document

# No capital letter with a tone: TCVN3 (VN3) has no codes for those (see module doc).
SENTENCE = (
    "Đảng bộ Sở Nông nghiệp và Môi trường được giao chủ trì thảo luận giải pháp khôi phục hạ tầng thủy lợi, "
    "ổn định đời sống nhân dân vùng rốn lũ; tăng trưởng kinh tế năm 2025 đạt 6,42%."
)


def test_known_tcvn3_strings_decode():
    assert convert_legacy("Céng hoµ x· héi chñ nghÜa ViÖt Nam", TCVN3) == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert convert_legacy("§éc lËp - Tù do - H¹nh phóc", TCVN3) == "Độc lập - Tự do - Hạnh phúc"
    assert convert_legacy("Tr\u00adêng ®\u00adîc", TCVN3) == "Trường được"


def test_known_vni_strings_decode():
    assert convert_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", VNI) == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert convert_legacy("Ñoäc laäp - Töï do - Haïnh phuùc", VNI) == "Độc lập - Tự do - Hạnh phúc"


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_round_trip(encoding):
    encoded = encode_legacy(SENTENCE, encoding)
    assert encoded != SENTENCE
    assert detect_legacy_encoding(encoded) == encoding
    assert convert_legacy(encoded, encoding) == SENTENCE


def test_vni_keeps_capital_toned_letters():
    text = "ỦY BAN NHÂN DÂN TỈNH, Ở ĐÂY"
    assert convert_legacy(encode_legacy(text, VNI), VNI) == text


@pytest.mark.parametrize(
    "text",
    [SENTENCE, "Plain ASCII report text, nothing to convert.", "Café crème brûlée à la française, naïve façade."],
)
def test_no_false_detection(text):
    assert detect_legacy_encoding(text) is None


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_legacy_text_file_loads_as_unicode(tmp_path: Path, encoding):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(encode_legacy(SENTENCE, encoding).encode("cp1252"))
    assert load_document(path).text == SENTENCE


def test_legacy_docx_loads_as_unicode(tmp_path: Path):
    """Word documents typed in .VnTime keep the font's code points; the pipeline converts them."""
    from fixtures_ingest import write_docx

    path = write_docx(tmp_path / "abc.docx", [encode_legacy(SENTENCE, TCVN3)], numbered=False)
    assert load_document(path).text.splitlines()[0] == SENTENCE


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_whole_corpus_guide_through_legacy_font(tmp_path: Path, topic_guide_path: Path, encoding):
    """The real topic guide typed in a legacy font gives the same document as the Unicode file."""
    source = topic_guide_path.read_text(encoding="utf-8")
    legacy = tmp_path / f"guide-{encoding}.txt"
    legacy.write_bytes(encode_legacy(source, encoding).encode("cp1252"))
    got, want = load_document(legacy), load_document(topic_guide_path)
    assert got.text == want.text
    assert [(t.title, t.fields, t.organisations) for t in got.topics] == [
        (t.title, t.fields, t.organisations) for t in want.topics
    ]


def test_mixed_document_keeps_its_unicode_lines(tmp_path: Path):
    """A .VnTime body under a header retyped in Unicode: only the legacy lines are converted."""
    from fixtures_ingest import write_docx

    header = "Hà Nội, ngày 25 tháng 11 năm 2025 – Văn phòng Đảng ủy"
    body = [SENTENCE, "Giải pháp đột phá cho năm tới là chuyển đổi số.", "Các đơn vị chủ động ứng phó thiên tai."]
    lines = [header, *(encode_legacy(line, TCVN3) for line in body)]
    doc = load_document(write_docx(tmp_path / "tron.docx", lines, numbered=False))
    assert doc.text.split("\n")[:4] == [header, *body]
