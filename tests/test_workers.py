"""Several workers (13.6): an upload through one server process is searchable through another within 5 s.

Two `troly serve` processes share one data dir and one `chroma run` server,
like two workers (or two hosts with a shared disk); the SQLite generation is
what keeps them in step.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from servers import free_port, running

ROOT = Path(__file__).resolve().parent.parent
TROLY = str(Path(sys.executable).with_name("troly"))
# A passage about something no other test document mentions, so the hit can only come from this upload.
UPLOAD = (
    "Báo cáo của Hợp tác xã nuôi cá lồng trên hồ Hòa Bình năm 2025: sản lượng cá lăng đạt 120 tấn, "
    "hợp tác xã đề nghị hỗ trợ vốn để mở rộng thêm 40 lồng nuôi."
)
QUERY = "ca lang ho Hoa Binh"


def serve(tmp_path: Path, chroma: str, extra: list[str] | None = None) -> tuple[list[str], str, dict]:
    port = free_port()
    cmd = [TROLY, "--data-dir", str(tmp_path / "data"), "serve", "--port", str(port), "--no-ingest", *(extra or [])]
    env = {**os.environ, "TROLY_CHROMA": chroma}
    return cmd, f"http://127.0.0.1:{port}", env


def found(base: str) -> bool:
    hits = httpx.get(f"{base}/api/search", params={"q": QUERY, "k": 3}, timeout=30).json()
    return any("Hòa Bình" in h["text"] for h in hits)


@pytest.mark.slow
def test_upload_through_one_worker_is_searchable_through_another(tmp_path: Path, chroma_server: str) -> None:
    cmd_a, url_a, env = serve(tmp_path, chroma_server)
    cmd_b, url_b, _ = serve(tmp_path, chroma_server)
    with (
        running(cmd_a, f"{url_a}/readyz", tmp_path / "a.log", env=env, cwd=ROOT),
        running(cmd_b, f"{url_b}/readyz", tmp_path / "b.log", env=env, cwd=ROOT),
    ):
        assert found(url_b) is False
        files = [("files", ("hop-tac-xa-ca-long.txt", UPLOAD.encode("utf-8"), "text/plain"))]
        up = httpx.post(f"{url_a}/api/documents", files=files, timeout=300)
        assert up.status_code == 200, up.text
        uploaded = time.monotonic()
        while not found(url_b):
            assert time.monotonic() - uploaded < 5, "not searchable through the other worker within 5 s"
            time.sleep(0.2)
        searchable_s = time.monotonic() - uploaded
        assert found(url_a)
    print(f"upload-to-searchable through the other worker: {searchable_s:.2f} s")


def test_several_workers_without_a_chroma_server_are_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [TROLY, "--data-dir", str(tmp_path / "data"), "serve", "--workers", "2", "--no-ingest"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TROLY_CHROMA": ""},
    )
    assert result.returncode == 2
    assert "--workers 2 needs a Chroma server" in result.stderr and "TROLY_CHROMA" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_serve_with_two_workers_serves_every_upload(tmp_path: Path, chroma_server: str) -> None:
    cmd, url, env = serve(tmp_path, chroma_server, ["--workers", "2"])
    with running(cmd, f"{url}/readyz", tmp_path / "workers.log", env=env, cwd=ROOT):
        files = [("files", ("hop-tac-xa-ca-long.txt", UPLOAD.encode("utf-8"), "text/plain"))]
        assert httpx.post(f"{url}/api/documents", files=files, timeout=300).status_code == 200
        time.sleep(5)
        # a new connection per request: the kernel spreads them over both workers
        assert all(found(url) for _ in range(10))
