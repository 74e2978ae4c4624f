"""REST API against a real small index: auth, roles, and – per endpoint – that a
public-clearance user never receives the classified ("mat") fixture document,
while a user cleared for it does (the positive control that lets each test fail).
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from fastapi.testclient import TestClient

from service.audit import AuditLog
from tests.ui_support import SECRET_QUESTION, add_users, build_index, contains_secret
from ui.api import create_api

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("api")
    settings, secret_id = build_index(root / "data", root)
    keys = add_users(settings.data_dir)
    client = TestClient(create_api(settings))
    return {"settings": settings, "secret_id": secret_id, "keys": keys, "client": client}


def call(env: dict, user: str, method: str, url: str, **kwargs):
    headers = {"X-API-Key": env["keys"][user]}
    return env["client"].request(method, url, headers=headers, **kwargs)


# ---- authentication and roles ----------------------------------------------------------------
def test_missing_or_wrong_key_is_401(env: dict) -> None:
    assert env["client"].get("/api/documents").status_code == 401
    bad = env["client"].get("/api/documents", headers={"X-API-Key": "troly_wrong"})
    assert bad.status_code == 401
    ok = env["client"].get("/api/documents", headers={"Authorization": f"Bearer {env['keys']['doc_gia']}"})
    assert ok.status_code == 200


def test_health_endpoints_need_no_key(env: dict) -> None:
    assert env["client"].get("/healthz").json()["status"] == "ok"
    ready = env["client"].get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_readyz_counts_documents_only_for_authenticated_callers_within_clearance(env: dict) -> None:
    assert env["client"].get("/readyz").json()["documents"] is None  # anonymous: no count across clearances
    assert call(env, "doc_gia", "GET", "/readyz").json()["documents"] == 1  # the guide; not the secret plan
    assert call(env, "can_bo_mat", "GET", "/readyz").json()["documents"] == 2


def test_reader_cannot_upload_or_delete(env: dict) -> None:
    up = call(env, "doc_gia", "POST", "/api/documents", files=[("files", ("a.txt", b"Noi dung.", "text/plain"))])
    assert up.status_code == 403
    assert call(env, "doc_gia", "DELETE", f"/api/documents/{env['secret_id']}").status_code == 403


def test_open_mode_serves_loopback_only(tmp_path: Path) -> None:
    from rag.settings import Settings

    app = create_api(Settings(data_dir=tmp_path / "data"))
    local = TestClient(app, client=("127.0.0.1", 40000))
    remote = TestClient(app, client=("192.0.2.10", 40000))
    assert local.get("/api/documents").status_code == 200
    assert remote.get("/api/documents").status_code == 401


# ---- no leaks, endpoint by endpoint ------------------------------------------------------------
def test_documents_list_hides_classified(env: dict) -> None:
    public = {d["doc_id"] for d in call(env, "doc_gia", "GET", "/api/documents").json()}
    cleared = {d["doc_id"] for d in call(env, "can_bo_mat", "GET", "/api/documents").json()}
    assert env["secret_id"] not in public and len(public) >= 1
    assert env["secret_id"] in cleared


def test_topics_hide_classified(env: dict) -> None:
    public = call(env, "doc_gia", "GET", "/api/topics").json()
    cleared = call(env, "can_bo_mat", "GET", "/api/topics").json()
    assert not contains_secret(json.dumps(public, ensure_ascii=False))
    assert {t["number"] for t in public} >= {1, 2, 3, 4, 5, 6}
    assert any(t["doc_id"] == env["secret_id"] for t in cleared)


def test_search_hides_classified(env: dict) -> None:
    params = {"q": "điều động cán bộ chủ chốt khu kinh tế Vân Phong Bắc", "k": 10}
    public = call(env, "doc_gia", "GET", "/api/search", params=params).json()
    cleared = call(env, "can_bo_mat", "GET", "/api/search", params=params).json()
    assert all(h["doc_id"] != env["secret_id"] for h in public)
    assert not contains_secret(json.dumps(public, ensure_ascii=False))
    assert cleared[0]["doc_id"] == env["secret_id"]


def test_search_without_diacritics_finds_public_text(env: dict) -> None:
    hits = call(env, "doc_gia", "GET", "/api/search", params={"q": "giai ngan von dau tu cong"}).json()
    assert hits and "giải ngân" in hits[0]["text"].lower()


def test_ask_hides_classified(env: dict) -> None:
    public = call(env, "doc_gia", "POST", "/api/ask", json={"question": SECRET_QUESTION}).json()
    cleared = call(env, "can_bo_mat", "POST", "/api/ask", json={"question": SECRET_QUESTION}).json()
    assert public["question"] == SECRET_QUESTION  # the echo is the only place the secret words may appear
    assert not contains_secret(json.dumps({**public, "question": ""}, ensure_ascii=False))
    assert all(c["doc_id"] != env["secret_id"] for c in public["citations"])
    assert any(c["doc_id"] == env["secret_id"] for c in cleared["citations"])
    assert "Trần Minh Khôi" in cleared["answer"] + json.dumps(cleared["citations"], ensure_ascii=False)


def test_ask_answers_public_question_with_citation(env: dict) -> None:
    body = {"question": "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"}
    answer = call(env, "doc_gia", "POST", "/api/ask", json=body).json()
    assert not answer["refused"]
    assert "6,42" in answer["answer"]
    cit = answer["citations"][0]
    assert cit["quote"] and cit["end"] > cit["start"]


def test_ask_refuses_when_not_in_documents(env: dict) -> None:
    body = {"question": "Giá vé máy bay Hà Nội đi Paris tháng tới là bao nhiêu?"}
    answer = call(env, "doc_gia", "POST", "/api/ask", json=body).json()
    assert answer["refused"] and answer["citations"] == []


def test_ask_stream_hides_classified(env: dict) -> None:
    def stream(user: str) -> str:
        resp = call(env, user, "POST", "/api/ask/stream", json={"question": SECRET_QUESTION})
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        return resp.text.replace(SECRET_QUESTION, "")  # drop the echo of the question

    public, cleared = stream("doc_gia"), stream("can_bo_mat")
    assert "event: answer" in public and not contains_secret(public)
    assert contains_secret(cleared)


def test_talking_points_hide_classified(env: dict) -> None:
    secret_topic = {"topic": 1, "doc_id": env["secret_id"]}
    public = call(env, "doc_gia", "POST", "/api/talking-points", json=secret_topic)
    cleared = call(env, "can_bo_mat", "POST", "/api/talking-points", json=secret_topic)
    assert public.status_code == 404 and not contains_secret(public.text)
    assert cleared.status_code == 200 and contains_secret(cleared.text)
    # Without doc_id, topic 1 exists in both guides: the public user must get the public one.
    ok = call(env, "doc_gia", "POST", "/api/talking-points", json={"topic": 1, "n_points": 3}).json()
    assert ok["points"] and ok["citations"] and not contains_secret(json.dumps(ok, ensure_ascii=False))
    assert all(c["doc_id"] != env["secret_id"] for c in ok["citations"])


def test_talking_points_docx(env: dict) -> None:
    resp = call(env, "doc_gia", "GET", "/api/talking-points/1.docx", params={"n_points": 3})
    assert resp.status_code == 200
    assert resp.headers["content-disposition"].startswith("attachment;")
    assert "y-phat-bieu-chuyen-de-1.docx" in resp.headers["content-disposition"]
    text = "\n".join(p.text for p in DocxDocument(BytesIO(resp.content)).paragraphs)
    assert "giải ngân" in text.lower() and not contains_secret(text)
    # Rendered in memory: no file under a predictable name for another route to serve (issue 12.1).
    data_dir = Path(env["settings"].data_dir)
    assert not (data_dir / "exports").exists()
    assert [p for p in data_dir.rglob("*.docx")] == []
    exports = [e for e in AuditLog.for_data_dir(data_dir).read() if e["action"] == "export"]
    assert exports and exports[-1]["user"] == "doc_gia" and exports[-1]["chunk_ids"]
    params = {"doc_id": env["secret_id"]}
    assert call(env, "doc_gia", "GET", "/api/talking-points/1.docx", params=params).status_code == 404
    cleared = call(env, "can_bo_mat", "GET", "/api/talking-points/1.docx", params=params)
    assert cleared.status_code == 200
    assert contains_secret("\n".join(p.text for p in DocxDocument(BytesIO(cleared.content)).paragraphs))


# Topic 1's first discussion question and the guide's own Thực trạng sentence that answers it (read from
# corpus/goi-y-…-2025.txt; "trưởng kinh tế" is how the guide writes it).
TOPIC1_QUESTION = "Phân tích nguyên nhân tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% (nếu tính cả vốn bổ sung muộn)."
TOPIC1_SITUATION = (
    "iải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%)"
)


def test_talking_points_tone_and_length(env: dict) -> None:
    body = {"topic": 1, "n_points": 3}
    formal = call(env, "doc_gia", "POST", "/api/talking-points", json=body).json()
    brief = call(env, "doc_gia", "POST", "/api/talking-points", json={**body, "tone": "ngan_gon"}).json()
    full = call(env, "doc_gia", "POST", "/api/talking-points", json={**body, "length": "day_du"}).json()
    short = call(env, "doc_gia", "POST", "/api/talking-points", json={**body, "length": "ngan"}).json()
    assert [formal["tone"], formal["length"], brief["tone"], full["length"], short["length"]] == [
        "trang_trong",
        "vua",
        "ngan_gon",
        "day_du",
        "ngan",
    ]
    assert brief["opening"] != formal["opening"] and brief["closing"] != formal["closing"]
    # The only point states the situation: the closing asks to take up "các ý kiến", not proposals never made.
    assert formal["closing"].endswith("xem xét, tiếp thu các ý kiến trên. Xin trân trọng cảm ơn!"), formal["closing"]
    # A point is a position under its question, composed of the document's sentence with its [n] – not the question.
    first = formal["points"][0]
    assert first["heading"] == TOPIC1_QUESTION and TOPIC1_SITUATION in first["text"], first
    assert "[1]" in first["text"] and first["text"] != TOPIC1_QUESTION and "[Đề xuất" not in first["text"]
    assert [c["n"] for c in first["citations"]] == [1] and TOPIC1_SITUATION in formal["citations"][0]["quote"]
    assert not first["context"] and not first["direction"]  # the old fields stay empty for older clients
    # tone: our frame words only – the same headings, the same cited sentences, other wording around them.
    assert [(p["heading"], p["citations"]) for p in brief["points"]] == [
        (p["heading"], p["citations"]) for p in formal["points"]
    ]
    assert TOPIC1_SITUATION in brief["points"][0]["text"] and brief["points"][0]["text"] != first["text"]
    assert brief["citations"] == formal["citations"]
    # length changes what goes under a point, never what it says (the evidence itself: the upload test below).
    assert [p["text"] for p in short["points"]] == [p["text"] for p in formal["points"]]
    assert [p["text"] for p in full["points"]] == [p["text"] for p in formal["points"]]
    # Only one document sentence here answers topic 1: fewer points than asked, and the draft says why.
    assert len(formal["points"]) < 3 and "(đã yêu cầu 3)" in formal["warning"]
    assert "Cơ chế phối hợp giữa sở, ngành với các địa phương đang tắc ở đâu?" in formal["warning"]
    assert all(c["topic"] in (1, None) for c in full["citations"])
    resp = call(env, "doc_gia", "GET", "/api/talking-points/1.docx", params={"tone": "de_xuat", "n_points": 3})
    text = "\n".join(p.text for p in DocxDocument(BytesIO(resp.content)).paragraphs)
    assert resp.status_code == 200 and "giải ngân" in text.lower() and TOPIC1_SITUATION in text
    assert "Giọng văn" not in text  # the tone shapes the wording; it is not printed in the speech


@pytest.mark.parametrize("bad", [{"tone": "vui_ve"}, {"length": "long"}])
def test_talking_points_invalid_tone_or_length_is_422(env: dict, bad: dict) -> None:
    resp = call(env, "doc_gia", "POST", "/api/talking-points", json={"topic": 1, **bad})
    assert resp.status_code == 422
    field = next(iter(bad))
    detail = json.dumps(resp.json()["detail"], ensure_ascii=False)
    assert field in detail and ("trang_trong" if field == "tone" else "day_du") in detail  # names the allowed values
    docx_resp = call(env, "doc_gia", "GET", "/api/talking-points/1.docx", params=bad)
    assert docx_resp.status_code == 422


def test_api_tones_and_lengths_match_the_drafter() -> None:
    from typing import get_args

    from rag.talking_points import LENGTHS, TONES
    from ui.api import Length, Tone

    assert set(get_args(Tone)) == set(TONES) and set(get_args(Length)) == set(LENGTHS)


def test_audit_log_records_user_and_chunks(env: dict) -> None:
    call(env, "doc_gia", "GET", "/api/search", params={"q": "chính quyền hai cấp"})
    events = AuditLog.for_data_dir(env["settings"].data_dir).read()
    last = [e for e in events if e["user"] == "doc_gia" and e["action"] == "search"][-1]
    assert last["query"] == "chính quyền hai cấp" and last["chunk_ids"]


# ---- upload, search, delete ------------------------------------------------------------------------
def test_upload_search_delete(env: dict) -> None:
    text = "Báo cáo chuyển đổi số. Tỉnh đã cấp 4.815 chữ ký số cho cán bộ xã phường trong năm 2025.\n".encode()
    files = [
        ("files", ("bao-cao-chuyen-doi-so.txt", text, "text/plain")),
        ("files", ("virus.exe", b"MZ", "application/octet-stream")),
    ]
    up = call(env, "bien_tap", "POST", "/api/documents", files=files).json()
    assert [d["file"] for d in up["documents"]] == ["bao-cao-chuyen-doi-so.txt"]
    assert up["errors"][0]["file"] == "virus.exe" and "unsupported" in up["errors"][0]["reason"]
    doc_id = up["documents"][0]["doc_id"]
    hits = call(env, "doc_gia", "GET", "/api/search", params={"q": "chữ ký số cán bộ xã phường"}).json()
    # Found, near the top. (Top-1 was lost once in ~10 full runs, cause not yet found: the ranks are in the message.)
    ranked = [(h["doc_id"], h.get("dense_rank"), h.get("lexical_rank"), h["score"]) for h in hits]
    assert doc_id in [h["doc_id"] for h in hits[:3]], ranked
    assert call(env, "bien_tap", "DELETE", f"/api/documents/{doc_id}").status_code == 200
    hits = call(env, "doc_gia", "GET", "/api/search", params={"q": "chữ ký số cán bộ xã phường"}).json()
    assert all(h["doc_id"] != doc_id for h in hits)


def test_editor_cannot_upload_above_own_clearance_or_delete_classified(env: dict) -> None:
    files = [("files", ("mat.txt", "Nội dung mật.".encode(), "text/plain"))]
    up = call(env, "bien_tap", "POST", "/api/documents", files=files, data={"classification": "mat"}).json()
    assert up["documents"] == [] and "clearance" in up["errors"][0]["reason"]
    assert call(env, "bien_tap", "DELETE", f"/api/documents/{env['secret_id']}").status_code == 404


def test_unknown_collection_is_404(env: dict) -> None:
    resp = call(env, "doc_gia", "POST", "/api/ask", json={"question": "x", "collection": "khong-co"})
    assert resp.status_code == 404


EVIDENCE_FILE = "bao-cao-giai-ngan-von-dau-tu-cong-2025.txt"
EVIDENCE_TEXT = """ỦY BAN NHÂN DÂN TỈNH

BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN ĐẦU TƯ CÔNG NĂM 2025

1. Kết quả giải ngân

Đến ngày 30 tháng 11 năm 2025, toàn tỉnh đã giải ngân 8.412 tỷ đồng vốn đầu tư công, đạt 75% kế hoạch vốn được giao.

2. Nguyên nhân chậm giải ngân

Vướng mắc chủ yếu do chồng lấn giữa quy hoạch sử dụng đất với quy hoạch thăm dò, khai thác khoáng sản bô-xít, titan.

Tại 12 dự án giao thông, quy hoạch xây dựng chồng lấn với vùng quy hoạch thăm dò khoáng sản titan nên chưa thể giao đất.
"""
OVERLAP_CASE = "Tại 12 dự án giao thông, quy hoạch xây dựng chồng lấn với vùng quy hoạch thăm dò khoáng sản titan"


def test_talking_points_of_one_guide_take_evidence_and_citation_json_from_other_documents(env: dict) -> None:
    """doc_id picks the guide; the evidence still comes from every document the caller may see (issue 14)."""
    up = call(env, "bien_tap", "POST", "/api/documents", files=[("files", (EVIDENCE_FILE, EVIDENCE_TEXT.encode()))])
    assert up.status_code == 200 and up.json()["documents"], up.text
    doc_id = up.json()["documents"][0]["doc_id"]
    try:
        guide = next(d["doc_id"] for d in call(env, "doc_gia", "GET", "/api/documents").json() if d["topics"])
        body = {"topic": 1, "doc_id": guide, "n_points": 3, "length": "day_du"}
        tp = call(env, "doc_gia", "POST", "/api/talking-points", json=body)
        assert tp.status_code == 200, tp.text
        # The report's cause answers the guide's question on overlapping plans: the point under that question
        # states it, cited to the report (its sentence as a position, or listed as evidence under the point).
        overlap = next(p for p in tp.json()["points"] if p["heading"].startswith("Giải pháp cụ thể nào để xử lý"))
        said = " ".join([overlap["text"], *(e["text"] for e in overlap["evidence"])])
        assert "hủ yếu do chồng lấn giữa quy hoạch sử dụng đất với quy hoạch thăm dò, khai thác khoáng sản" in said
        report = [c for c in overlap["citations"] if c["doc_id"] == doc_id]
        assert report and report[0]["document"] == "BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN ĐẦU TƯ CÔNG NĂM 2025"
        assert report[0]["quote"].startswith("Vướng mắc chủ yếu do chồng lấn") and f"[{report[0]['n']}]" in said
        # The report's other overlap case goes under that point as evidence (a figure: "Số liệu"); ngắn lists none,
        # vừa (≤ 2) lists it too, and no length changes what the point says.
        case = [c for c in overlap["citations"] if c["quote"].startswith(OVERLAP_CASE)]
        assert case and [e["text"] for e in overlap["evidence"]] == [
            f"{OVERLAP_CASE} nên chưa thể giao đất [{case[0]['n']}]."
        ]
        assert overlap["evidence"][0]["kind"] == "so_lieu" and overlap["evidence"][0]["label"].startswith("Số liệu – ")
        assert OVERLAP_CASE not in overlap["text"]
        by_length = {}
        for length in ("ngan", "vua"):
            resp = call(env, "doc_gia", "POST", "/api/talking-points", json={**body, "length": length})
            by_length[length] = resp.json()["points"]
        assert [p["text"] for p in by_length["ngan"]] == [p["text"] for p in by_length["vua"]]
        assert [p["text"] for p in by_length["vua"]] == [p["text"] for p in tp.json()["points"]]
        assert [e for p in by_length["ngan"] for e in p["evidence"]] == []
        assert OVERLAP_CASE in " ".join(e["text"] for p in by_length["vua"] for e in p["evidence"])
        assert doc_id in {c["doc_id"] for c in tp.json()["citations"]}
        assert all("heading_path" in c for c in tp.json()["citations"])  # rag.serialize's citation JSON
        assert not contains_secret(tp.text)
        hits = call(env, "doc_gia", "GET", "/api/search", params={"q": "giải ngân 8.412 tỷ đồng"}).json()
        assert hits and all("heading_path" in h for h in hits)  # rag.serialize's hit JSON
    finally:
        assert call(env, "bien_tap", "DELETE", f"/api/documents/{doc_id}").status_code == 200
