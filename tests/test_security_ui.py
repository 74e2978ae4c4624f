"""Issue 21 attacks on the web UI's own routes, replayed with httpx against a real ``troly serve``.

Each test is one attack as the attacker sends it: Gradio's ``/gradio_api/call/<fn>`` and
``/gradio_api/upload`` called directly with a logged-in user's cookie, another session's
``session_hash``, a forged ``Origin``. The index holds the public topic guide and the "MẬT"
plan of tests/ui_support.py, whose marker words appear nowhere else.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import free_port, running

from service.audit import AuditLog
from tests.ui_support import SECRET_QUESTION, add_users, build_index, contains_secret

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("security-ui")
    settings, secret_id = build_index(root / "data", root)
    keys = add_users(settings.data_dir)
    port = free_port()
    troly = Path(sys.executable).with_name("troly")
    cmd = [str(troly), "--data-dir", str(settings.data_dir), "serve", "--port", str(port), "--no-ingest"]
    url = f"http://127.0.0.1:{port}"
    with running(cmd, f"{url}/healthz", root / "server.log", cwd=root, env=dict(os.environ)):
        yield {"url": url, "keys": keys, "data": settings.data_dir, "root": root, "secret_id": secret_id}


def login(srv: dict[str, Any], user: str) -> httpx.Client:
    """An httpx client holding ``user``'s Gradio login cookie (name + API key, like the login page)."""
    client = httpx.Client(base_url=srv["url"], timeout=300)
    response = client.post("/login", data={"username": user, "password": srv["keys"][user]})
    assert response.status_code == 200, response.text
    return client


def call(client: httpx.Client, fn: str, data: list[Any], session_hash: str | None = None) -> tuple[int, str]:
    """POST /gradio_api/call/<fn>, then read its event stream; returns (status of the POST, whole text)."""
    body: dict[str, Any] = {"data": data}
    if session_hash:
        body["session_hash"] = session_hash
    posted = client.post(f"/gradio_api/call/{fn}", json=body)
    if posted.status_code != 200:
        return posted.status_code, posted.text
    event_id = posted.json()["event_id"]
    return 200, decoded(client.get(f"/gradio_api/call/{fn}/{event_id}").text)


def decoded(stream: str) -> str:
    """The event stream with each ``data:`` line's JSON decoded (so Vietnamese text is compared as written)."""
    out = []
    for line in stream.splitlines():
        if not line.startswith("data:"):
            out.append(line)
            continue
        try:
            out.append(json.dumps(json.loads(line[5:]), ensure_ascii=False))
        except ValueError:
            out.append(line)
    return "\n".join(out)


def audit_events(srv: dict[str, Any]) -> list[dict[str, Any]]:
    return AuditLog.for_data_dir(srv["data"]).read()


# ---- 21.2: chat history bound to the user, not to the Gradio session ---------------------------------
def test_reader_with_another_users_session_hash_does_not_receive_their_conversation(srv: dict[str, Any]) -> None:
    victim, attacker = login(srv, "can_bo_mat"), login(srv, "doc_gia")
    session = "phien-cua-can-bo-mat-01"
    status, text = call(victim, "ask", [SECRET_QUESTION, "", 5], session_hash=session)
    assert status == 200 and contains_secret(text), text[-2000:]  # the cleared user sees the classified answer
    status, text = call(attacker, "ask", ["Kinh phí bảo trì năm 2025 là bao nhiêu?", "", 5], session_hash=session)
    assert status == 200, text
    assert "Hỏi:" in text  # the attacker got a rendered conversation …
    assert not contains_secret(text)  # … without the victim's turn in it
    assert SECRET_QUESTION not in text


def test_conversation_reads_are_audited_with_the_cited_documents(srv: dict[str, Any]) -> None:
    reader = login(srv, "can_bo_mat")
    status, _ = call(reader, "ask", [SECRET_QUESTION, "", 5], session_hash="phien-kiem-toan-02")
    assert status == 200
    reads = [e for e in audit_events(srv) if e["action"] == "conversation_read" and e["user"] == "can_bo_mat"]
    assert reads, "no conversation_read event in the audit log"
    assert srv["secret_id"] in reads[-1]["doc_ids"]


def test_history_render_rechecks_clearance_after_the_user_is_downgraded(srv: dict[str, Any]) -> None:
    """A turn answered while cleared is withheld once the user's clearance is lowered (re-read from users.json)."""
    from service.auth import UserStore

    store = UserStore.for_data_dir(srv["data"])
    _, key = store.add("ha_cap", role="reader", clearance="mat")
    client = httpx.Client(base_url=srv["url"], timeout=300)
    assert client.post("/login", data={"username": "ha_cap", "password": key}).status_code == 200
    session = "phien-ha-cap-03"
    status, text = call(client, "ask", [SECRET_QUESTION, "", 5], session_hash=session)
    assert status == 200 and contains_secret(text)
    raw = json.loads((srv["data"] / "users.json").read_text(encoding="utf-8"))
    for user in raw["users"]:
        if user["name"] == "ha_cap":
            user["clearance"] = "public"
    (srv["data"] / "users.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    status, text = call(client, "ask", ["Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?", "", 5], session_hash=session)
    assert status == 200
    assert SECRET_QUESTION in text  # the earlier turn is still listed (the user's own question) …
    assert not contains_secret(text.replace(SECRET_QUESTION, ""))  # … but its classified answer is withheld
    assert "vượt quá mức truy cập" in text


# ---- 21.1 and 21.4: files only from the caller's own uploads, role before any file operation --------------
def file_data(path: Path | str, meta: bool = True) -> dict[str, Any]:
    """A Gradio FileData as the browser sends it (``meta`` marks it as a file for Gradio's own processing)."""
    data: dict[str, Any] = {"path": str(path), "orig_name": Path(path).name}
    if meta:
        data["meta"] = {"_type": "gradio.FileData"}
    return data


def reader_search(srv: dict[str, Any], text: str) -> str:
    response = httpx.get(
        f"{srv['url']}/api/search",
        params={"q": text, "k": 5},
        headers={"X-API-Key": srv["keys"]["doc_gia"]},
        timeout=300,  # the first search loads the embedder
    )
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("meta", [True, False], ids=["filedata", "bare-path"])
def test_editor_cannot_make_the_server_ingest_a_file_by_path(srv: dict[str, Any], meta: bool) -> None:
    notes = srv["root"] / f"ghi-chu-may-chu-{int(meta)}.txt"
    notes.write_text(
        "GHI CHÚ NỘI BỘ\n\nMã kho lưu trữ Hạ Long là 7731-QX; mật khẩu tủ hồ sơ đổi vào thứ hai hằng tuần.\n",
        encoding="utf-8",
    )
    editor = login(srv, "bien_tap")
    status, text = call(editor, "do_upload", [[file_data(notes, meta)], "public", ""])
    assert status == 403, text
    assert "chỉ dùng được tệp bạn vừa tải lên" in text
    assert "7731-QX" not in reader_search(srv, "mã kho lưu trữ Hạ Long 7731-QX")
    assert notes.is_file()  # refused before touching it: neither copied nor deleted
    assert not list((srv["data"] / "tmp" / "gradio").rglob(notes.name))


def test_reader_cannot_delete_another_users_upload_in_the_ui_temp_folder(srv: dict[str, Any]) -> None:
    in_flight = srv["data"] / "tmp" / "gradio" / "users" / "u-nguoi-khac" / "a1b2" / "bao-cao-dang-tai.txt"
    in_flight.parent.mkdir(parents=True, exist_ok=True)
    in_flight.write_text("Báo cáo đang tải lên của người khác.\n", encoding="utf-8")
    reader = login(srv, "doc_gia")
    status, _ = call(reader, "do_upload", [[file_data(in_flight)], "public", ""])
    assert status == 403
    assert in_flight.is_file()


def test_reader_cannot_write_files_through_gradio_upload_nor_learn_paths(srv: dict[str, Any]) -> None:
    reader = login(srv, "doc_gia")
    response = reader.post("/gradio_api/upload", files=[("files", ("ghi-chu.txt", b"noi dung bat ky"))])
    assert response.status_code == 403
    assert "biên tập viên" in response.json()["detail"]
    assert str(srv["data"]) not in response.text
    assert not list((srv["data"] / "tmp" / "gradio").rglob("ghi-chu.txt"))


def test_ui_upload_is_usable_only_by_its_uploader_once_and_leaves_no_temp_file(srv: dict[str, Any]) -> None:
    editor, admin = login(srv, "bien_tap"), login(srv, "quan_tri")
    text = "KẾ HOẠCH TRỒNG CÂY XÃ BÌNH MINH\n\nXã Bình Minh trồng 5.400 cây sao đen dọc tuyến đê trong năm 2026.\n"
    uploaded = editor.post("/gradio_api/upload", files=[("files", ("trong-cay-binh-minh.txt", text.encode()))])
    assert uploaded.status_code == 200, uploaded.text
    [path] = uploaded.json()
    assert Path(path).is_file()
    status, body = call(admin, "do_upload", [[file_data(path)], "public", ""])  # not the admin's upload
    assert status == 403, body
    assert admin.get(f"/gradio_api/file={path}").status_code == 404  # nor can the admin download it
    assert editor.get(f"/gradio_api/file={path}").text == text  # its uploader can (Gradio shows it in the box)
    status, body = call(editor, "do_upload", [[file_data(path)], "public", ""])
    assert status == 200 and "trong-cay-binh-minh.txt" in body, body
    assert "5.400 cây sao đen" in reader_search(srv, "Bình Minh trồng bao nhiêu cây sao đen")
    assert not Path(path).exists()  # removed once used
    status, body = call(editor, "do_upload", [[file_data(path)], "public", ""])  # and never usable again
    assert status == 403, body


# ---- 21.3: origins, CSRF, security headers --------------------------------------------------------------
def test_other_local_origin_gets_no_credentialed_cors_on_gradio_and_api_routes(srv: dict[str, Any]) -> None:
    evil = "http://127.0.0.1:1"  # another application on the same host: same-site, other origin
    reader = login(srv, "can_bo_mat")
    for path in ("/gradio_api/info", "/config", "/api/documents"):
        response = reader.get(path, headers={"Origin": evil, "X-API-Key": srv["keys"]["can_bo_mat"]})
        assert "access-control-allow-origin" not in response.headers, path
    preflight = reader.options(
        "/gradio_api/call/do_search", headers={"Origin": evil, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cross_origin_post_with_the_session_cookie_is_refused(srv: dict[str, Any]) -> None:
    editor = login(srv, "bien_tap")
    before = len(audit_events(srv))
    status, text = call_with_origin(editor, "do_reindex", [""], "http://localhost:8080")
    assert status == 403, text
    assert "khác nguồn" in text
    assert not [e for e in audit_events(srv)[before:] if e["action"] == "reindex"]
    same = f"{srv['url']}"
    status, _ = call_with_origin(editor, "do_search", ["cáp quang"], same)
    assert status == 200


def call_with_origin(client: httpx.Client, fn: str, data: list[Any], origin: str) -> tuple[int, str]:
    posted = client.post(f"/gradio_api/call/{fn}", json={"data": data}, headers={"Origin": origin})
    return posted.status_code, posted.text


def test_every_response_carries_the_security_headers(srv: dict[str, Any]) -> None:
    client = login(srv, "doc_gia")
    for path in ("/", "/healthz", "/api/documents", "/gradio_api/info", "/docs", "/no-such-page"):
        response = client.get(path, headers={"X-API-Key": srv["keys"]["doc_gia"]})
        assert response.headers.get("x-frame-options") == "DENY", path
        assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), path
        assert response.headers.get("x-content-type-options") == "nosniff", path
        assert response.headers.get("referrer-policy") == "same-origin", path


# ---- 21.5: the leak sweep over every named Gradio endpoint ------------------------------------------------
def gradio_args(params: list[dict[str, Any]], text: str, choice: str) -> list[Any]:
    """Arguments an attacker would try: the classified question in every text box, the classified document
    (or its topic) in every dropdown, the smallest number in every slider, no file."""
    values: list[Any] = []
    for p in params:
        component = p.get("component", "")
        if component == "Textbox":
            values.append(text)
        elif component == "Dropdown":
            values.append(choice)
        elif component in ("Slider", "Number"):
            values.append(1)
        elif component == "File":
            values.append(None)
        else:
            values.append(p.get("parameter_default"))
    return values


def test_no_named_gradio_endpoint_leaks_the_canary_to_any_role_below_its_clearance(srv: dict[str, Any]) -> None:
    from service.auth import UserStore

    _, key = UserStore.for_data_dir(srv["data"]).add("qt_cong_khai", role="admin", clearance="public")
    srv["keys"]["qt_cong_khai"] = key
    info = login(srv, "doc_gia").get("/gradio_api/info").json()
    endpoints = info["named_endpoints"]
    assert {"/ask", "/do_upload", "/do_search", "/draft", "/show"} <= set(endpoints), sorted(endpoints)
    secret = srv["secret_id"]
    # "" is the "all topics" choice every user has; the other two name the classified document directly
    tries = [(SECRET_QUESTION, ""), (SECRET_QUESTION, f"{secret}::1"), ("Vân Phong Bắc Trần Minh Khôi", secret)]
    victim_session = "phien-quet-cua-can-bo-mat"  # every call below also replays this cleared user's session
    status, text = call(login(srv, "can_bo_mat"), "ask", [SECRET_QUESTION, "", 5], session_hash=victim_session)
    assert status == 200 and contains_secret(text)
    calls, answered = 0, set()
    for user in ("doc_gia", "bien_tap", "qt_cong_khai"):
        client = login(srv, user)
        for name, spec in sorted(endpoints.items()):
            params = spec.get("parameters", [])
            variants = tries if any(p.get("component") == "Textbox" for p in params) else tries[:1]
            for text, choice in variants:
                _, body = call(client, name.lstrip("/"), gradio_args(params, text, choice), victim_session)
                calls += 1
                if "event: complete" in body:
                    answered.add((user, name))
                question_echo = body.replace(SECRET_QUESTION, "").replace(text, "")
                assert not contains_secret(question_echo), (user, name, question_echo[-1500:])
    assert calls >= 3 * len(endpoints)
    for user in ("doc_gia", "bien_tap", "qt_cong_khai"):  # the sweep reached the handlers, not only Gradio's checks
        assert {(user, "/ask"), (user, "/do_search")} <= answered, sorted(answered)
