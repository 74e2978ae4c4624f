"""The document kind read from the letters of a số/ký hiệu (ingest.header.kind_from_number), both layouts."""

from __future__ import annotations

import pytest

from ingest.header import kind_from_number


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("3260-KH/ĐĐQH15", "ke_hoach"),
        ("30/2020/NĐ-CP", "nghi_dinh"),
        ("383-QĐ/TW", "quyet_dinh"),  # a party quy định carries QĐ too; its title line says which
        ("221-KL/TW", "ket_luan"),
        ("45/TTr-UBND", "to_trinh"),
        ("05/2024/TT-BTC", "thong_tu"),
        ("12-CTr/TU", "chuong_trinh"),
        ("1234/UBND-VP", ""),  # a công văn of the state layout carries no kind letters
    ],
)
def test_the_kind_letters_of_a_document_number(number: str, kind: str) -> None:
    assert kind_from_number(number) == kind
