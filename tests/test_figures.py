"""Figures across documents (issue 25.2): values read with their indicator, period and place; disagreements the
draft resolution in eval/figures was written with are found, nothing else is called a disagreement; precision of
"same indicator" on the report split of the hand-labelled pairs; clearance on GET /api/figures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from eval.figures_eval import evaluate
from ingest.pipeline import load_documents
from rag.figures import check_figures, extract_figures, parse_number
from rag.settings import Settings
from service.auth import User
from service.troly import TrolyService
from tests.ui_support import add_users
from ui.api import create_api

ROOT = Path(__file__).resolve().parent.parent
DRAFT = ROOT / "eval" / "figures" / "du-thao-nghi-quyet-kt-xh-ca-mau-2026.txt"
CA_MAU = "kh0204-kh-ubnd-camau_2025-11-24.txt"
PLANTED = {
    # (indicator words, value in the Cà Mau plan, value in the draft resolution) – written into the draft by hand
    ("tăng trưởng kinh tế", "8%", "8,02%"),
    ("kim ngạch xuất khẩu", "2.600 triệu USD", "2.650 triệu USD"),
    ("vốn đầu tư xã hội", "270.000 tỷ đồng", "275.000 tỷ đồng"),
    ("doanh thu du lịch", "8.585 tỷ đồng", "8.600 tỷ đồng"),
}


def test_vietnamese_numbers_are_read_with_their_separators() -> None:
    assert parse_number("172.033") == 172033
    assert parse_number("8,02") == 8.02
    assert parse_number("10.367,700") == 10367.7


def test_a_figure_carries_indicator_period_place_and_its_span(shared_data: Path) -> None:
    (doc, *_) = load_documents(shared_data / "party_docs" / CA_MAU)
    growth = next(f for f in extract_figures(doc) if f.value_text == "8%" and "tăng trưởng kinh tế" in f.indicator)
    assert doc.text[growth.start : growth.end] == "8%"
    assert growth.value == 8.0 and growth.unit == "phan_tram"
    assert growth.period == "2025"
    assert growth.place == "Cà Mau"
    assert growth.qualifier == "so cùng kỳ"
    assert growth.target is False
    export = next(f for f in extract_figures(doc) if f.value_text == "8,95 tỷ USD")
    assert export.value == 8950.0 and export.unit == "usd"  # tỷ USD counted in triệu USD
    assert export.period == "2026"  # from its heading "Dự báo các chỉ tiêu kinh tế - xã hội đến năm 2026"


def test_disagreements_between_the_plan_and_the_draft_are_only_planted_ones(shared_data: Path) -> None:
    docs = [*load_documents(shared_data / "party_docs" / CA_MAU), *load_documents(DRAFT)]
    start = time.perf_counter()
    report = check_figures(docs)
    elapsed = time.perf_counter() - start
    found = {tuple(sorted(f.value_text for f in g.figures)) for g in report.groups if not g.agree}
    planted = {tuple(sorted((a, b))) for _, a, b in PLANTED}
    assert found <= planted  # nothing that is not a real disagreement
    assert ("8%", "8,02%") in found
    assert all(not g.agree for g in report.groups[: len(found)])  # disagreements are listed first
    assert elapsed < 30  # generous: the issue's ≤ 5 s is measured by `troly figures` in the README, not here


def test_same_indicator_precision_on_the_report_split(shared_data: Path) -> None:
    result = evaluate(shared_data)
    report = result["splits"]["report"]
    assert report.pairs >= 20
    assert report.true_pos + report.false_pos >= 3  # the rule does group something on this split
    assert report.precision >= 0.9


MAT_REPORT = """MẬT

ỦY BAN NHÂN DÂN TỈNH CÀ MAU

Số: 99/BC-UBND

BÁO CÁO

Ước tính nhanh kinh tế năm 2025

I. KẾT QUẢ

- Tốc độ tăng trưởng kinh tế của tỉnh Cà Mau năm 2025 ước đạt 7,9% so cùng kỳ.
"""
PUBLIC_REPORT = """ỦY BAN NHÂN DÂN TỈNH CÀ MAU

Số: 98/BC-UBND

BÁO CÁO

Tình hình kinh tế năm 2025

I. KẾT QUẢ

- Tốc độ tăng trưởng kinh tế của tỉnh Cà Mau năm 2025 ước đạt 8% so cùng kỳ.
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("figures-api")
    settings = Settings(data_dir=root / "data")
    public, secret = root / "bao-cao-98.txt", root / "bao-cao-99-mat.txt"
    public.write_text(PUBLIC_REPORT, encoding="utf-8")
    secret.write_text(MAT_REPORT, encoding="utf-8")
    service = TrolyService(settings)
    admin = User(name="setup", role="admin", clearance="tuyet_mat")
    assert not service.ingest_paths(admin, [public, DRAFT], "public").errors
    assert not service.ingest_paths(admin, [secret], "public").errors  # stamped MẬT by its header
    service.index.close()
    keys = add_users(settings.data_dir)
    return {"client": TestClient(create_api(settings)), "keys": keys}


def _values(api: dict, user: str) -> set[str]:
    response = api["client"].get("/api/figures", headers={"X-API-Key": api["keys"][user]})
    assert response.status_code == 200
    return {f["value_text"] for g in response.json()["groups"] for f in g["figures"]}


def test_api_figures_shows_a_classified_figure_only_to_those_cleared(api: dict) -> None:
    assert _values(api, "doc_gia") == {"8%", "8,02%"}
    assert _values(api, "can_bo_mat") == {"7,9%", "8%", "8,02%"}
