"""Issue 12 attacks replayed against a real ``troly serve`` process (its own data dir and port).

Each test is one attack from the issue, written as the attacker sends it:
replacing a classified document by file name, a zip bomb, an oversized or
chunked upload, a lone surrogate, an AES-encrypted PDF, probing for audit gaps,
and the smaller leaks of point 11. The index holds a short public plan and the
"MẬT" plan of tests/ui_support.py, whose marker words appear nowhere else.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document as DocxDocument
from servers import free_port, running

from rag.settings import Settings
from service.audit import AuditLog
from service.auth import User
from service.troly import TrolyService
from tests.ui_support import SECRET_MARKERS, SECRET_TEXT, add_users

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SECRET_FILE = "ke-hoach-can-bo-mat.txt"
PUBLIC_TEXT = """ĐẢNG BỘ XÃ AN BÌNH

KẾ HOẠCH CHUYỂN ĐỔI SỐ NĂM 2026

1. Hạ tầng số

- Thực trạng: Xã An Bình đã phủ sóng cáp quang tới 92% thôn, còn 3 thôn vùng sâu chưa có cáp quang.

- Nhiệm vụ: Văn phòng Đảng ủy chủ trì, phối hợp với Đoàn Thanh niên hoàn thành cáp quang cho 3 thôn trong quý II/2026.

2. Dịch vụ công trực tuyến

- Thực trạng: Tỷ lệ hồ sơ dịch vụ công trực tuyến toàn trình của xã đạt 61% năm 2025.
"""
UPLOAD_MB = 2  # the server under test accepts at most this much per request


# ---- the server ------------------------------------------------------------------------------
def _build(data: Path, tmp: Path) -> None:
    """A public plan and the classified plan, ingested through the service like the real first start."""
    public, secret = tmp / "ke-hoach-chuyen-doi-so-an-binh.txt", tmp / SECRET_FILE
    public.write_text(PUBLIC_TEXT, encoding="utf-8")
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    service = TrolyService(Settings(data_dir=data))
    admin = User(name="setup", role="admin", clearance="tuyet_mat")
    assert not service.ingest_paths(admin, [public], "public").errors
    assert not service.ingest_paths(admin, [secret], "mat").errors
    _give_assignments(service.index)
    service.index.close()


def _give_assignments(index: Any) -> None:
    """Hand-built assignments (ingest.model.Assignment), so the endpoint is tested apart from their extraction."""
    from dataclasses import replace

    from ingest.model import Assignment

    given = {
        "ke-hoach-chuyen-doi-so-an-binh.txt": Assignment(
            body="Văn phòng Đảng ủy", task="hoàn thành cáp quang cho 3 thôn", role="chu_tri", deadline="quý II/2026"
        ),
        SECRET_FILE: Assignment(
            body="Đảng bộ Ban quản lý khu kinh tế Vân Phong Bắc", task="chuẩn bị thảo luận", role="thao_luan"
        ),
    }
    for doc_id, assignment in given.items():
        doc = index.get_document(doc_id)
        chunks = [c for c in index.all_chunks() if c.doc_id == doc_id]
        index.upsert([replace(doc, assignments=[assignment], source_hash=doc.source_hash + "+a")], chunks)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("security")
    data = root / "data"
    _build(data, root)
    keys = add_users(data)
    port = free_port()
    troly = Path(sys.executable).with_name("troly")
    env = {**os.environ, "TROLY_MAX_UPLOAD_MB": str(UPLOAD_MB), "TROLY_LOG_LEVEL": "DEBUG"}
    cmd = [str(troly), "--data-dir", str(data), "serve", "--port", str(port), "--no-ingest"]
    log = root / "server.log"
    with (
        running(cmd, f"http://127.0.0.1:{port}/healthz", log, cwd=root, env=env),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client,
    ):
        yield {"client": client, "keys": keys, "data": data, "log": log, "root": root}


def as_user(srv: dict, name: str) -> dict[str, str]:
    return {"X-API-Key": srv["keys"][name]}


def audit_events(srv: dict) -> list[dict]:
    return AuditLog.for_data_dir(srv["data"]).read()


def upload(srv: dict, user: str, name: str, data: bytes, level: str = "public") -> httpx.Response:
    return srv["client"].post(
        "/api/documents", headers=as_user(srv, user), files=[("files", (name, data))], data={"classification": level}
    )


def doc_ids(srv: dict, user: str) -> set[str]:
    return {d["doc_id"] for d in srv["client"].get("/api/documents", headers=as_user(srv, user)).json()}


# ---- 12.2 identity and replacement -------------------------------------------------------------
def test_public_editor_cannot_replace_classified_document_by_file_name(srv: dict) -> None:
    before = {d["doc_id"]: d for d in srv["client"].get("/api/documents", headers=as_user(srv, "quan_tri")).json()}
    secret_id = "ke-hoach-can-bo-mat.txt"
    assert before[secret_id]["classification"] == "mat"
    attack = upload(srv, "bien_tap", SECRET_FILE, "Tài liệu giả thay thế kế hoạch cán bộ.".encode())
    assert attack.status_code == 409, attack.text
    assert "Không thể thay thế tài liệu" in attack.json()["detail"]
    after = {d["doc_id"]: d for d in srv["client"].get("/api/documents", headers=as_user(srv, "quan_tri")).json()}
    assert after[secret_id] == before[secret_id]  # untouched: same level, same size
    ask = srv["client"].get("/api/search", params={"q": "Vân Phong Bắc"}, headers=as_user(srv, "can_bo_mat"))
    assert any("Vân Phong Bắc" in h["text"] for h in ask.json())
    refused = [e for e in audit_events(srv) if e.get("status") == 409 and e["user"] == "bien_tap"]
    assert refused, "the refused replacement is not in the audit log"


def test_replacement_by_cleared_admin_is_audited_with_old_and_new_hash_and_level(srv: dict) -> None:
    name = "thong-bao-thay-the.txt"
    first = upload(srv, "quan_tri", name, "Thông báo lịch họp chi bộ tháng 3 năm 2026.".encode(), "internal")
    assert first.status_code == 200 and first.json()["documents"], first.text
    second = upload(srv, "quan_tri", name, "Thông báo lịch họp chi bộ tháng 4 năm 2026, đã dời ngày.".encode())
    assert second.status_code == 200 and second.json()["documents"], second.text
    assert second.json()["documents"][0]["classification"] == "internal"  # never silently lowered to public
    replaced = [e for e in audit_events(srv) if e["action"] == "replace" and e["doc_ids"] == ["thong-bao-thay-the.txt"]]
    assert len(replaced) == 1
    event = replaced[0]
    assert event["old_hash"] != event["new_hash"] and event["old_hash"] and event["new_hash"]
    assert (event["old_level"], event["new_level"]) == ("internal", "internal")


def test_upload_of_a_file_holding_two_documents_lists_both(srv: dict, shared_data: Path) -> None:
    """The NQ57 report file holds a covering công văn and its attached draft report: moved once, two documents."""
    name = "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt"
    source = shared_data / "party_docs" / name
    if not source.is_file():
        pytest.skip(f"shared party document absent ({source})")
    response = upload(srv, "bien_tap", name, source.read_bytes())
    assert response.status_code in (200, 201), response.text
    assert not response.json()["errors"], response.text
    stored = {d["doc_id"] for d in response.json()["documents"]}
    assert stored == {name, f"{name}--2"}
    assert {name, f"{name}--2"} <= doc_ids(srv, "doc_gia")
    assert [p.name for p in (srv["data"] / "uploads").rglob(name)] == [name]


def test_ui_evaluation_runs_in_its_own_collection_never_over_classified_documents(tmp_path: Path) -> None:
    """12: the "Đánh giá" tab ran the question set over the whole live index, whatever the editor's clearance.

    It now runs in an evaluation collection of its own built from corpus/ (like ``troly eval run``): with only
    a MẬT document in the live index, the report answers from the public guide and never quotes the secret.
    """
    from ui.gradio_app import run_evaluation

    data = tmp_path / "data"
    secret = tmp_path / SECRET_FILE
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    service = TrolyService(Settings(data_dir=data))
    admin = User(name="setup", role="admin", clearance="tuyet_mat")
    assert not service.ingest_paths(admin, [secret], "mat").errors
    try:
        summary, _charts = run_evaluation(service, 4)
    finally:
        service.index.close()
    reports = sorted((data / "eval-reports").glob("*.json"))
    assert len(reports) == 1, reports
    results = json.loads(reports[0].read_text(encoding="utf-8"))["results"]
    assert len(results) == 4
    assert any(not r["refused"] and r["answer"] for r in results), results  # answered from corpus/, not refused
    written = [summary] + [
        p.read_text(encoding="utf-8") for p in (data / "eval-reports").iterdir() if p.suffix != ".png"
    ]
    assert not any(marker in text for text in written for marker in SECRET_MARKERS)
    assert {d.doc_id for d in service.index.documents()} == {SECRET_FILE}  # the live index is left as it was


# ---- assignments endpoint --------------------------------------------------------------------
def test_assignments_by_body_without_tone_marks_within_clearance(srv: dict) -> None:
    client = srv["client"]
    found = client.get("/api/assignments", params={"body": "van phong dang uy"}, headers=as_user(srv, "doc_gia"))
    assert found.status_code == 200
    assert [(a["body"], a["role"], a["deadline"], a["doc_id"]) for a in found.json()] == [
        ("Văn phòng Đảng ủy", "chu_tri", "quý II/2026", "ke-hoach-chuyen-doi-so-an-binh.txt")
    ]
    secret_body = {"body": "Vân Phong Bắc"}
    assert client.get("/api/assignments", params=secret_body, headers=as_user(srv, "doc_gia")).json() == []
    cleared = client.get("/api/assignments", params=secret_body, headers=as_user(srv, "can_bo_mat")).json()
    assert [a["doc_id"] for a in cleared] == [SECRET_FILE]
    assert client.get("/api/assignments", params=secret_body).status_code == 401


# ---- 12.3 bounded parsing --------------------------------------------------------------------
def zip_bomb_docx(inflated_mb: int) -> bytes:
    """A real .docx whose document.xml inflates to ``inflated_mb`` MB of blanks (written in pieces)."""
    base = io.BytesIO()
    doc = DocxDocument()
    doc.add_paragraph("Nghị quyết về phát triển kinh tế số.")
    doc.save(base)
    src = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "word/document.xml":
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<w:body>")
            with bomb.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(head + b"<w:body>")
                for _ in range(inflated_mb):
                    member.write(b" " * (1024 * 1024))
                member.write(tail)
    return out.getvalue()


def test_zip_bomb_docx_is_refused_quickly_with_a_reason(srv: dict) -> None:
    bomb = zip_bomb_docx(1200)  # 1.2 GB inflated, ~1.2 MB on the wire
    assert len(bomb) < UPLOAD_MB * 1024 * 1024
    started = time.monotonic()
    response = upload(srv, "bien_tap", "nghi-quyet-bom.docx", bomb)
    seconds = time.monotonic() - started
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert len(errors) == 1 and "zip bomb" in errors[0]["reason"], errors
    assert seconds < 60, f"took {seconds:.0f}s: the bomb was inflated instead of stopped"
    assert not list((srv["data"] / "uploads").rglob("nghi-quyet-bom.docx"))


# ---- 12.4 upload size while streaming ------------------------------------------------------------
def test_upload_larger_than_limit_is_413_before_the_body_is_read(srv: dict) -> None:
    big = b"a" * (UPLOAD_MB * 1024 * 1024 + 10)
    response = upload(srv, "bien_tap", "qua-lon.txt", big)
    assert response.status_code == 413
    assert "quá lớn" in response.json()["detail"]


def test_chunked_upload_without_length_is_cut_off_at_the_limit_with_413(srv: dict) -> None:
    boundary = "troly-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="dai.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    sent = {"bytes": 0}

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(20 * UPLOAD_MB):  # 10× the limit, 512 KB at a time, no Content-Length
            sent["bytes"] += 512 * 1024
            yield b"b" * (512 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {**as_user(srv, "bien_tap"), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    try:
        response = srv["client"].post("/api/documents", headers=headers, content=body())
    except httpx.HTTPError as exc:  # the server may close the connection after its 413
        pytest.fail(f"no 413 answer before the connection closed: {exc!r}")
    assert response.status_code == 413, response.text[:300]


# ---- 12.6 invalid code points ----------------------------------------------------------------
def test_lone_surrogate_in_json_body_is_422_with_a_message(srv: dict) -> None:
    raw = b'{"question": "gi\\ud800 ngan"}'
    headers = {**as_user(srv, "doc_gia"), "Content-Type": "application/json"}
    response = srv["client"].post("/api/ask", headers=headers, content=raw)
    assert response.status_code == 422, response.text
    message = json.dumps(response.json(), ensure_ascii=False)
    assert "Unicode không hợp lệ" in message and "U+D800" in message


def test_control_character_in_organisation_is_422_not_500(srv: dict) -> None:
    url = "/api/talking-points/1.docx"
    response = srv["client"].get(url, params={"organisation": "Đảng bộ\x1f"}, headers=as_user(srv, "doc_gia"))
    assert response.status_code == 422, response.text
    assert "U+001F" in response.text


def test_k_true_is_not_accepted_as_one(srv: dict) -> None:
    response = srv["client"].post(
        "/api/ask", headers=as_user(srv, "doc_gia"), json={"question": "cáp quang", "k": True}
    )
    assert response.status_code == 422


# ---- 12.7 encrypted PDFs ----------------------------------------------------------------------
def _pdf(text: str, user_password: str = "", owner_password: str = "chu-so-huu") -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(font).exists():
        pytest.skip(f"{font} missing (fonts-dejavu-core)")
    pdfmetrics.registerFont(TTFont("DejaVu", font))
    plain = io.BytesIO()
    page = canvas.Canvas(plain)
    page.setFont("DejaVu", 12)
    page.drawString(72, 760, text)
    page.save()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(plain.getvalue())))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_aes_encrypted_pdf_with_owner_password_only_is_indexed(srv: dict) -> None:
    pdf = _pdf("Chi bộ thôn Đông Hòa họp định kỳ vào ngày mùng 5 hằng tháng.")
    response = upload(srv, "bien_tap", "thong-bao-aes.pdf", pdf)
    assert response.status_code == 200
    assert not response.json()["errors"], response.json()["errors"]
    hits = srv["client"].get("/api/search", params={"q": "Đông Hòa họp định kỳ"}, headers=as_user(srv, "doc_gia"))
    assert any("Đông Hòa" in h["text"] for h in hits.json())


def test_pdf_with_user_password_gets_a_clear_error(srv: dict) -> None:
    pdf = _pdf("Nội dung có mật khẩu.", user_password="mat-khau")
    response = upload(srv, "bien_tap", "co-mat-khau.pdf", pdf)
    errors = response.json()["errors"]
    assert len(errors) == 1 and "password-protected PDF" in errors[0]["reason"]


# ---- 12.8 audit of every outcome ------------------------------------------------------------------
def test_every_request_outcome_is_audited_with_user_status_and_request_id(srv: dict) -> None:
    client = srv["client"]
    probes = [
        ("GET", "/api/documents", {}, 401),
        ("GET", "/api/documents", as_user(srv, "doc_gia"), 200),
        ("GET", "/api/topics", as_user(srv, "doc_gia"), 200),
        ("DELETE", "/api/documents/ke-hoach-can-bo-mat.txt", as_user(srv, "doc_gia"), 403),
        ("DELETE", "/api/documents/ke-hoach-can-bo-mat.txt", as_user(srv, "bien_tap"), 404),
        ("GET", "/api/search?q=", as_user(srv, "doc_gia"), 422),
    ]
    seen = []
    for method, url, headers, status in probes:
        response = client.request(method, url, headers=headers)
        assert response.status_code == status, (url, response.text)
        seen.append((response.headers["x-request-id"], status))
    events = {e["request_id"]: e for e in audit_events(srv) if "status" in e and e["action"].startswith("http.")}
    for rid, status in seen:
        assert rid in events, f"request {rid} (status {status}) not audited"
        assert events[rid]["status"] == status and events[rid]["ts"] and events[rid]["object"]
    assert events[seen[0][0]]["user"] == "anonymous"
    assert events[seen[4][0]]["user"] == "bien_tap" and "ke-hoach-can-bo-mat.txt" in events[seen[4][0]]["object"]
    audit_text = (srv["data"] / "audit.jsonl").read_text(encoding="utf-8")
    assert not any(key in audit_text for key in srv["keys"].values())


def test_file_route_into_the_data_dir_is_refused_and_audited_as_a_download(srv: dict) -> None:
    target = srv["data"] / "users.json"
    response = srv["client"].get(f"/gradio_api/file={target}")
    assert response.status_code in (401, 403, 404) and "key_hash" not in response.text
    rid = response.headers["x-request-id"]
    event = next(e for e in audit_events(srv) if e.get("request_id") == rid)
    assert (event["action"], event["object"], event["status"]) == ("download", "users.json", response.status_code)


def test_audit_log_rotates_by_size(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=2000, backups=2)
    for n in range(60):
        log.record("lan", "search", query=f"câu hỏi số {n}")
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]
    assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())
    assert log.read()[-1]["query"] == "câu hỏi số 59"


def test_audit_lines_of_two_writers_survive_rotation_by_either(tmp_path: Path) -> None:
    """Two serving processes append to one audit file; when one rotates it, the other's next line goes into the
    new file, not into the renamed one, and no line is lost (each writer keeps its file open between lines)."""
    one = AuditLog(tmp_path / "audit.jsonl", max_bytes=1500, backups=5)
    two = AuditLog(tmp_path / "audit.jsonl", max_bytes=1500, backups=5)
    for n in range(40):
        (one if n % 3 else two).record("lan", "search", query=f"câu {n}")
    lines = []
    for path in sorted(tmp_path.iterdir(), key=lambda p: p.name, reverse=True):  # .5 (oldest) … audit.jsonl
        lines += [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [f"câu {n}" for n in range(40)]
    assert (tmp_path / "audit.jsonl.1").exists()
    (tmp_path / "audit.jsonl").unlink()  # removed by hand: the next line starts a new file
    two.record("lan", "search", query="sau khi xoá")
    assert [e["query"] for e in one.read()] == ["sau khi xoá"]


# ---- 12.9 readers never wait on writers -----------------------------------------------------------
def test_search_is_served_while_a_large_upload_is_embedding(srv: dict) -> None:
    paragraphs = [
        f"Mục {n}. Chi bộ thôn số {n} rà soát danh sách hộ nghèo, cập nhật số liệu đất đai và lập kế hoạch "
        f"vận động nhân dân tham gia xây dựng đường giao thông nông thôn đoạn {n} trong năm 2026."
        for n in range(1, 121)
    ]
    big = "\n\n".join(paragraphs).encode("utf-8")
    done = threading.Event()
    result: dict = {}

    def run_upload() -> None:
        result["response"] = upload(srv, "bien_tap", "ke-hoach-lon.txt", big)
        done.set()

    thread = threading.Thread(target=run_upload)
    thread.start()
    time.sleep(3)  # the upload is parsing/embedding now (120 paragraphs take far longer than this)
    started = time.monotonic()
    hits = srv["client"].get("/api/search", params={"q": "cáp quang thôn"}, headers=as_user(srv, "doc_gia"))
    search_seconds = time.monotonic() - started
    upload_was_running = not done.is_set()
    thread.join()
    assert hits.status_code == 200 and hits.json()
    assert result["response"].status_code == 200 and result["response"].json()["documents"]
    assert upload_was_running, "the search waited until the upload had finished"
    assert search_seconds < 30


# ---- 12.11 the smaller leaks ---------------------------------------------------------------------
def test_readyz_without_key_does_not_reveal_document_count(srv: dict) -> None:
    anonymous = srv["client"].get("/readyz").json()
    assert anonymous["status"] == "ready" and anonymous["documents"] is None


def test_upload_errors_show_no_server_paths(srv: dict) -> None:
    response = upload(srv, "bien_tap", "hong.docx", b"PK\x03\x04 this is not really a zip archive")
    reasons = json.dumps(response.json(), ensure_ascii=False)
    assert response.json()["errors"], reasons
    assert str(srv["root"]) not in reasons and "/tmp" not in reasons and "/uploads" not in reasons


def test_long_file_name_keeps_its_extension(srv: dict) -> None:
    name = "bao-cao-" + "rat-dai-" * 40 + "cuoi.txt"
    response = upload(srv, "bien_tap", name, "Báo cáo tổng kết công tác tuyên giáo năm 2025.".encode())
    stored = response.json()["documents"][0]
    assert stored["file"].endswith(".txt") and len(stored["file"]) <= 150
    assert stored["doc_id"].endswith(".txt")


def test_refused_and_deleted_uploads_leave_no_file_in_uploads(srv: dict) -> None:
    uploads = srv["data"] / "uploads"
    refused = upload(srv, "bien_tap", "ban-mat.txt", SECRET_TEXT.replace("Vân Phong Bắc", "Cam Lâm").encode())
    assert refused.json()["errors"] and "above your clearance" in refused.json()["errors"][0]["reason"]
    assert not list(uploads.rglob("ban-mat.txt"))
    kept = upload(srv, "bien_tap", "tam-thoi.txt", "Ghi chú tạm thời của chi bộ.".encode())
    doc_id = kept.json()["documents"][0]["doc_id"]
    assert list(uploads.rglob("tam-thoi.txt"))
    deleted = srv["client"].delete(f"/api/documents/{doc_id}", headers=as_user(srv, "bien_tap"))
    assert deleted.status_code == 200
    assert not list(uploads.rglob("tam-thoi.txt"))


def test_binary_garbage_txt_is_refused_with_a_reason(srv: dict) -> None:
    import random

    garbage = bytes(random.Random(12).randrange(0x80, 0x100) for _ in range(20_000))  # no NUL, no ASCII controls
    response = upload(srv, "bien_tap", "rac.txt", garbage)
    errors = response.json()["errors"]
    assert len(errors) == 1 and errors[0]["file"] == "rac.txt", response.json()
    assert "rac.txt" not in doc_ids(srv, "bien_tap")


def test_classified_titles_never_reach_the_server_log(srv: dict) -> None:
    srv["client"].post(
        "/api/ask", headers=as_user(srv, "can_bo_mat"), json={"question": "Vân Phong Bắc thiếu bao nhiêu cán bộ?"}
    )
    srv["client"].get("/api/documents", headers=as_user(srv, "can_bo_mat"))
    log = srv["log"].read_text(encoding="utf-8", errors="replace")
    assert "troly: http://127.0.0.1:" in log  # this is the server's own stderr (DEBUG level)
    for marker in (*SECRET_MARKERS, "CÔNG TÁC CÁN BỘ"):
        assert marker not in log


def test_llm_api_key_is_never_printed(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ui.cli import app

    settings = Settings(data_dir=tmp_path, llm_api_key="sk-bi-mat-123")
    assert "sk-bi-mat-123" not in repr(settings) and "sk-bi-mat-123" not in str(settings.model_dump())
    assert settings.llm_api_key.get_secret_value() == "sk-bi-mat-123"
    shown = CliRunner().invoke(app, ["config", "--json"], env={"TROLY_LLM_API_KEY": "sk-bi-mat-123"})
    assert shown.exit_code == 0 and "sk-bi-mat-123" not in shown.output
