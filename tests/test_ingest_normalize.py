"""Each Vietnamese normalization rule on real words (tone placement, NFC, Đ look-alikes, folding)."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.normalize import fold, is_vietnamese_syllable, normalize_text, strip_diacritics


def test_nfc_composes_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Đảng bộ Sở Tài chính")
    assert len(decomposed) > len("Đảng bộ Sở Tài chính")
    assert normalize_text(decomposed) == "Đảng bộ Sở Tài chính"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà bình", "hòa bình"),  # oa open syllable: mark on o
        ("thuỷ lợi", "thủy lợi"),  # uy open syllable: mark on u
        ("sức khoẻ", "sức khỏe"),  # oe open syllable
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),  # capital letter keeps its case
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("cụ thể hoá", "cụ thể hóa"),
        ("tuỳ theo", "tùy theo"),
    ],
)
def test_tone_mark_unified_on_open_syllables(given, expected):
    assert normalize_text(given) == expected


@pytest.mark.parametrize(("given", "expected"), [("qủa", "quả"), ("hiệu qủa", "hiệu quả"), ("gìa", "già")])
def test_tone_mark_moved_off_consonant_clusters(given, expected):
    """In "qu" and "gi" the u/i belong to the consonant, so they never carry the tone."""
    assert normalize_text(given) == expected


@pytest.mark.parametrize(
    "word",
    ["toán", "hoàng", "người", "được", "thuở", "khuỷu", "ngoài", "quý", "gì", "khuya", "chuyển", "Nghị"],
)
def test_correct_spellings_are_left_alone(word):
    assert normalize_text(word) == word


def test_non_vietnamese_words_untouched():
    text = "Café crème, naïve façade; AI 6,42% (7,5%) “quotes” — dash"
    assert normalize_text(text) == text


def test_eth_lookalike_becomes_d_with_stroke():
    assert normalize_text("\u00d0ảng \u00f0oàn") == "Đảng đoàn"


def test_document_and_query_spellings_meet():
    assert normalize_text("Công tác thuỷ lợi, hoà giải") == normalize_text("Công tác thủy lợi, hòa giải")


def test_normalize_is_idempotent_and_keeps_length_on_corpus(topic_guide_path):
    text = topic_guide_path.read_text(encoding="utf-8")
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert len(once) == len(unicodedata.normalize("NFC", text))


def test_strip_diacritics_examples_and_same_length():
    text = "Đảng bộ Sở Nông nghiệp và Môi trường, được hỗ trợ"
    stripped = strip_diacritics(text)
    assert stripped == "Dang bo So Nong nghiep va Moi truong, duoc ho tro"
    assert len(stripped) == len(text)


def test_fold_lowercases_and_strips():
    assert fold("Thủy LỢI Đột phá") == "thuy loi dot pha"
    assert fold("Kỷ cương") == fold("ky cuong")
    assert len(fold("İstanbul Đà Nẵng")) == len("İstanbul Đà Nẵng")


def test_every_vietnamese_vowel_folds_to_its_letter():
    # the 12 vowel letters of the alphabet with their five tone marks, typed by hand, upper and lower case
    vowels = {
        "a": "aàáảãạ ăằắẳẵặ âầấẩẫậ AÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ",
        "e": "eèéẻẽẹ êềếểễệ EÈÉẺẼẸ ÊỀẾỂỄỆ",
        "i": "iìíỉĩị IÌÍỈĨỊ",
        "o": "oòóỏõọ ôồốổỗộ ơờớởỡợ OÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ",
        "u": "uùúủũụ ưừứửữự UÙÚỦŨỤ ƯỪỨỬỮỰ",
        "y": "yỳýỷỹỵ YỲÝỶỸỴ",
    }
    for letter, forms in vowels.items():
        for word in forms.split():
            assert fold(word) == letter * len(word), word
            assert len(strip_diacritics(word)) == len(word)
    assert fold("đĐ") == "dd" and strip_diacritics("đĐ") == "dD"
    # decomposed input (NFD) folds like composed input
    assert fold(unicodedata.normalize("NFD", "Nghị quyết")) == "nghi quyet"


@pytest.mark.parametrize(("word", "ok"), [("nghiệp", True), ("thủy", True), ("ViÖt", False), ("hoµ", False)])
def test_syllable_check(word, ok):
    assert is_vietnamese_syllable(word) is ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sở Tài chính báo cáo UBND Thành phố", "Sở Tài chính báo cáo Ủy ban nhân dân Thành phố"),
        ("so tai chinh bao cao ubnd thanh pho", "so tai chinh bao cao Uy ban nhan dan thanh pho"),  # typed unmarked
        ("Thu NSNN năm 2025; trợ cấp từ NSTW", "Thu ngân sách nhà nước năm 2025; trợ cấp từ ngân sách trung ương"),
        ("Bộ KH&CN, Thường trực HĐND tỉnh", "Bộ khoa học và công nghệ, Thường trực Hội đồng nhân dân tỉnh"),
        ("Quyết định số 2820/QĐ-UBND ngày 19/11/2025", "Quyết định số 2820/QĐ-UBND ngày 19/11/2025"),  # a code keeps it
        ("Ban Chấp hành Trung ương", "Ban Chấp hành Trung ương"),
    ],
)
def test_spell_out_writes_administrative_acronyms_out(text: str, expected: str) -> None:
    from ingest.normalize import spell_out

    assert spell_out(text) == expected
