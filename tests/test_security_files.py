"""Issue 21.4: shared source files, staged copies after a crash, throttled logins and keys.

Real service, real index and real app (FastAPI's TestClient in-process); only the clock of the throttle is
given by hand where the test is about minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rag.settings import Settings
from service.audit import AuditLog
from service.auth import LoginThrottle, User
from service.troly import TrolyService
from tests.ui_support import SECRET_TEXT, add_users
from ui.routes.deps import AppState

EDITOR = User(name="bien_tap", role="editor", clearance="mat")


def test_deleting_one_document_of_a_two_document_file_keeps_the_file_for_the_other(
    tmp_path: Path, shared_data: Path
) -> None:
    """The NQ57 report file holds a covering công văn and its attached report (two documents, one file)."""
    name = "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt"
    source = shared_data / "party_docs" / name
    if not source.is_file():
        pytest.skip(f"shared party document absent ({source})")
    service = TrolyService(Settings(data_dir=tmp_path / "data"))
    report = service.upload(EDITOR, [(name, source.read_bytes())], "public")
    assert {d["doc_id"] for d in report.documents} == {name, f"{name}--2"}, report.errors
    stored = service.uploads_dir() / name
    service.delete(EDITOR, name)
    assert stored.is_file()  # the attached report still comes from it
    again = service.reindex(EDITOR)  # re-reads the file: both its documents are indexed again
    assert not again.errors, again.errors
    service.delete(EDITOR, f"{name}--2")
    assert stored.is_file()
    service.delete(EDITOR, name)
    assert not stored.exists()  # the last document gone: the file goes too
    service.index.close()


STAGE_AND_WAIT = """
import sys, time
from pathlib import Path
from rag.settings import Settings
from service.auth import User
from service.troly import TrolyService

service = TrolyService(Settings(data_dir=Path(sys.argv[1])))
text = Path(sys.argv[2]).read_text(encoding="utf-8")
original = service._writes.run
def slow_run(*args, **kwargs):  # the staged copy exists now; stay here until killed
    print("STAGED", flush=True)
    time.sleep(600)
service._writes.run = slow_run
service.upload(User(name="bien_tap", role="editor", clearance="mat"), [("ke-hoach-mat.txt", text.encode())], "mat")
"""


def test_kill_9_during_an_upload_leaves_no_staged_classified_copy_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secret = tmp_path / "mat.txt"
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    script = tmp_path / "stage.py"
    script.write_text(STAGE_AND_WAIT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(data), str(secret)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "STAGED"
        staged = list((data / "uploads" / ".staging").rglob("ke-hoach-mat.txt"))
        assert len(staged) == 1
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert staged[0].is_file()  # what kill -9 leaves behind
    AppState(Settings(data_dir=data))  # the next server start
    assert not staged[0].exists()
    assert not list((data / "uploads" / ".staging").rglob("*.txt"))


def test_staging_of_a_live_upload_is_left_alone_at_start(tmp_path: Path) -> None:
    live = tmp_path / "data" / "uploads" / ".staging" / f"{os.getpid()}-dang-tai" / "a.txt"
    live.parent.mkdir(parents=True)
    live.write_text("đang tải", encoding="utf-8")
    AppState(Settings(data_dir=tmp_path / "data"))
    assert live.is_file()


def test_bad_api_keys_from_one_address_are_throttled_with_an_audit_line(tmp_path: Path) -> None:
    from ui.api import create_api

    data = tmp_path / "data"
    keys = add_users(data)
    with TestClient(create_api(Settings(data_dir=data))) as client:
        codes = [client.get("/api/documents", headers={"X-API-Key": f"troly_sai_{i}"}).status_code for i in range(21)]
        assert codes == [401] * 21
        blocked = client.get("/api/documents", headers={"X-API-Key": keys["doc_gia"]})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert "thử lại sau" in blocked.json()["detail"]
    events = [e for e in AuditLog.for_data_dir(data).read() if e["action"] == "auth_throttled"]
    assert events and events[-1]["address"] == "testclient"


def test_failed_logins_for_one_user_are_throttled_and_audited(tmp_path: Path) -> None:
    from ui.api import create_app

    data = tmp_path / "data"
    keys = add_users(data)
    with TestClient(create_app(Settings(data_dir=data))) as client:
        for i in range(11):
            assert client.post("/login", data={"username": "lan", "password": f"troly_sai_{i}"}).status_code == 400
        response = client.post("/login", data={"username": "lan", "password": "troly_sai_x"})
        assert response.status_code == 429
        other = client.post("/login", data={"username": "doc_gia", "password": keys["doc_gia"]})
        assert other.status_code == 200  # another user from the same address is not locked out (12 < 20)
    events = [e for e in AuditLog.for_data_dir(data).read() if e["action"] == "auth_throttled"]
    assert events and events[-1]["user"] == "lan"


def test_an_attacker_naming_a_real_user_delays_them_at_most_half_a_minute() -> None:
    throttle = LoginThrottle()
    now = time.monotonic()
    for _ in range(500):
        throttle.by_user.failed("lan", now)
        throttle.by_address.failed("10.0.0.66", now)
    assert throttle.by_user.wait("lan", now) <= 30
    assert throttle.by_address.wait("10.0.0.66", now) == 300  # the guessing machine itself waits 5 minutes
    assert throttle.by_user.wait("lan", now + 31) == 0
    assert throttle.by_user.wait("lan", now + 16 * 60) == 0  # and is forgotten after the window
