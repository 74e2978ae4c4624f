"""Users, keys and the serve bind rule, through the real CLI and the real users file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from service.auth import UserStore, is_loopback
from ui.cli import app
from ui.cli.serve import check_bind

runner = CliRunner()


def test_users_add_prints_key_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(
        app, ["--data-dir", str(data), "users", "add", "lan", "--role", "editor", "--clearance", "mat"]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("troly_")
    stored = (data / "users.json").read_text(encoding="utf-8")
    assert key not in stored and json.loads(stored)["users"][0]["clearance"] == "mat"
    user = UserStore.for_data_dir(data).authenticate(key)
    assert user is not None and user.name == "lan" and user.can("editor") and not user.can("admin")
    listed = runner.invoke(app, ["--data-dir", str(data), "users", "list"])
    assert "lan\teditor\tmat" in listed.stdout and key not in listed.stdout
    audit = [json.loads(line) for line in (data / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["action"], e["channel"], e["target"]) for e in audit] == [("user_add", "cli", "lan")]
    assert key not in (data / "audit.jsonl").read_text(encoding="utf-8")


def test_users_add_rejects_bad_role_and_clearance_with_one_line(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    bad_role = runner.invoke(app, ["--data-dir", data, "users", "add", "x", "--role", "boss"])
    bad_level = runner.invoke(app, ["--data-dir", data, "users", "add", "x", "--clearance", "secret"])
    assert bad_role.exit_code == 2 and "role must be one of" in bad_role.output
    assert bad_level.exit_code == 2 and "clearance must be one of" in bad_level.output
    assert "Traceback" not in bad_role.output + bad_level.output


def test_users_remove_revokes_key(tmp_path: Path) -> None:
    store = UserStore.for_data_dir(tmp_path)
    _, key = store.add("minh")
    assert store.authenticate(key) is not None
    assert runner.invoke(app, ["--data-dir", str(tmp_path), "users", "remove", "minh"]).exit_code == 0
    assert store.authenticate(key) is None
    assert runner.invoke(app, ["--data-dir", str(tmp_path), "users", "remove", "minh"]).exit_code == 2


def test_serve_refuses_public_bind_without_users(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0", "--no-ingest"])
    assert result.exit_code == 2 and "refusing to listen on 0.0.0.0" in result.output
    assert check_bind("0.0.0.0", has_users=True) is None
    assert check_bind("127.0.0.1", has_users=False) is None


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.0.0.5") and not is_loopback("testclient") and not is_loopback(None)


def test_web_ui_requires_login_with_api_key_once_users_exist(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from rag.settings import Settings
    from ui.api import create_app

    settings = Settings(data_dir=tmp_path / "data")
    _, key = UserStore.for_data_dir(settings.data_dir).add("lan", role="reader")
    client = TestClient(create_app(settings))
    assert client.get("/config").status_code == 401
    assert client.post("/login", data={"username": "lan", "password": "troly_wrong"}).status_code == 400
    assert client.post("/login", data={"username": "lan", "password": key}).status_code == 200
    assert client.get("/config").status_code == 200
    assert client.get("/api/documents").status_code == 401  # the UI session cookie is not an API key
    from service.audit import AuditLog

    logins = [(e["action"], e["user"], e["status"]) for e in AuditLog.for_data_dir(settings.data_dir).read()]
    assert ("login_failed", "lan", 400) in logins and ("login", "lan", 200) in logins
    assert key not in (settings.data_dir / "audit.jsonl").read_text(encoding="utf-8")
