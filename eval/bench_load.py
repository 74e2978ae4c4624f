"""``troly bench load``: many readers, one writer and one long question against a real server.

The question is whether readers wait on writers and whether anything leaks or
breaks under concurrency (issue 12.9). A real ``troly serve`` process is
started on a fresh data dir holding the topic guide (public) and a small
"MẬT" plan whose marker words appear nowhere else. Then, for ``seconds``:

* ``askers`` public readers ask short questions from the topic-guide set;
* one public reader asks 2,000-character questions;
* one public editor uploads a small document and deletes it again, in a loop;
* one public reader times short searches.

Before that, the same short searches are timed alone. The report gives
errors (5xx, transport failures, unexpected statuses), leaks (a marker of the
classified plan in any public response) and the searches' p95 under load
against their p95 alone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench_common import (
    machine_info,
    machine_markdown,
    percentile_ms,
    process_rss_mb,
    ratio,
    start_troly_serve,
    summary_ms,
    wait_until_ready,
    write_report,
)

GUIDE = Path(__file__).resolve().parent.parent / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
QUESTIONS = Path(__file__).resolve().parent / "questions" / "topic_guide.jsonl"
MARKERS = ("Hòn Khói Tây", "Lê Văn Trác")
SECRET_PLAN = """MẬT

ĐẢNG BỘ TỈNH
Số: 31-KH/TU

KẾ HOẠCH NHÂN SỰ KHU CÔNG NGHIỆP HÒN KHÓI TÂY NĂM 2026

1. Bố trí cán bộ khu công nghiệp Hòn Khói Tây

- Thực trạng: Khu công nghiệp Hòn Khói Tây thiếu 9 cán bộ quản lý. Dự kiến điều động đồng chí Lê Văn Trác \
làm Trưởng ban quản lý khu công nghiệp Hòn Khói Tây từ quý II năm 2026.

- Vấn đề thảo luận: Có nên điều động 9 cán bộ về khu công nghiệp Hòn Khói Tây trong quý II năm 2026?
"""
SEARCHES = ("tăng trưởng kinh tế", "giải ngân vốn đầu tư công", "chuyển đổi số", "cải cách hành chính")
Log = Callable[[str], None]


class Recorder:
    """Thread-safe tally of one kind of request: latencies, statuses, errors, leaks."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ms: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []
        self.leaks = 0

    def add(self, ms: float, status: int | str, ok: bool, leaked: bool = False, note: str = "") -> None:
        with self.lock:
            self.ms.append(ms)
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            if not ok and len(self.errors) < 20:
                self.errors.append(f"{status} {note}"[:200])
            elif not ok:
                self.errors.append("")
            self.leaks += int(leaked)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.ms),
            "statuses": self.statuses,
            "errors": len(self.errors),
            "error_examples": [e for e in self.errors if e][:5],
            "leaks": self.leaks,
            "latency_ms": summary_ms(self.ms) if self.ms else {},
        }


def _leaked(text: str) -> bool:
    return any(m.lower() in text.lower() for m in MARKERS)


def _timed(rec: Recorder, call: Callable[[], Any], expect: tuple[int, ...]) -> None:
    started = time.perf_counter()
    try:
        response = call()
    except Exception as exc:  # a transport failure is an error of the run, counted, never raised
        rec.add((time.perf_counter() - started) * 1000, type(exc).__name__, ok=False, note=str(exc))
        return
    ms = (time.perf_counter() - started) * 1000
    rec.add(ms, response.status_code, response.status_code in expect, _leaked(response.text), response.text[:120])


def _prepare(data: Path, log: Log) -> dict[str, str]:
    """Index the guide (public) and the classified plan (mat); create the users; returns name → key."""
    from rag.settings import Settings
    from ui.auth import User, UserStore
    from ui.service import TrolyService

    secret = data.parent / "ke-hoach-nhan-su-mat.txt"
    secret.write_text(SECRET_PLAN, encoding="utf-8")
    service = TrolyService(Settings(data_dir=data))
    admin = User(name="bench", role="admin", clearance="tuyet_mat")
    log("indexing the topic guide and the classified plan …")
    for path, level in ((GUIDE, "public"), (secret, "mat")):
        report = service.ingest_paths(admin, [path], level)
        if report.errors:
            raise RuntimeError(f"cannot index {path.name}: {report.errors[0].reason}")
    service.index.close()
    store = UserStore.for_data_dir(data)
    return {name: store.add(name, role=role)[1] for name, role in (("doc_gia", "reader"), ("bien_tap", "editor"))}


def _questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("answerable")][:n]


def _long_question() -> str:
    base = (
        "Trong bối cảnh tỉnh đang đẩy mạnh giải ngân vốn đầu tư công, cải cách hành chính và chuyển đổi số, "
        "đề nghị cho biết các giải pháp trọng tâm, trách nhiệm của từng cơ quan và mốc thời gian cụ thể? "
    )
    return (base * (2000 // len(base) + 1))[:2000]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _search_loop(client: Any, headers: dict, rec: Recorder, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        q = SEARCHES[n % len(SEARCHES)]
        _timed(rec, lambda q=q: client.get("/api/search", params={"q": q, "k": 5}, headers=headers), (200,))
        n += 1


def _ask_loop(client: Any, headers: dict, questions: list[str], rec: Recorder, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        body = {"question": questions[n % len(questions)]}
        _timed(rec, lambda body=body: client.post("/api/ask", json=body, headers=headers), (200,))
        n += 1


def _editor_loop(client: Any, headers: dict, rec: Recorder, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        name = f"thong-bao-tai-{n}.txt"
        text = f"Thông báo số {n}: chi bộ thôn Phú Hòa họp ngày {n % 28 + 1} để bàn việc sửa đường liên thôn."
        files = [("files", (name, text.encode("utf-8")))]
        _timed(rec, lambda f=files: client.post("/api/documents", files=f, headers=headers), (200,))
        _timed(rec, lambda name=name: client.delete(f"/api/documents/{name}", headers=headers), (200, 404))
        n += 1


def _phase_alone(client: Any, headers: dict, seconds: float) -> Recorder:
    rec = Recorder()
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    _search_loop(client, headers, rec, stop)
    return rec


def _phase_load(client_factory: Callable[[], Any], keys: dict[str, str], seconds: float, askers: int) -> dict:
    reader, editor = {"X-API-Key": keys["doc_gia"]}, {"X-API-Key": keys["bien_tap"]}
    recs = {"ask": Recorder(), "long_ask": Recorder(), "edit": Recorder(), "search": Recorder()}
    stop = threading.Event()
    questions = _questions(60)
    threads = [
        threading.Thread(
            target=_ask_loop, args=(client_factory(), reader, questions[i:] + questions[:i], recs["ask"], stop)
        )
        for i in range(askers)
    ]
    threads.append(
        threading.Thread(target=_ask_loop, args=(client_factory(), reader, [_long_question()], recs["long_ask"], stop))
    )
    threads.append(threading.Thread(target=_editor_loop, args=(client_factory(), editor, recs["edit"], stop)))
    threads.append(threading.Thread(target=_search_loop, args=(client_factory(), reader, recs["search"], stop)))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=600)
    return recs


def run_load_benchmark(seconds: float, askers: int, log: Log, alone_seconds: float | None = None) -> dict[str, Any]:
    """Run the whole benchmark in a temporary data dir; returns the report (not yet written)."""
    import httpx

    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="troly-bench-load-") as tmp:
        data = Path(tmp) / "data"
        keys = _prepare(data, log)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_troly_serve(data, port, Path(tmp) / "server.log")
        try:
            with httpx.Client(base_url=base, timeout=600) as client:
                wait_until_ready(base, proc, 300)
                reader = {"X-API-Key": keys["doc_gia"]}
                client.post("/api/ask", json={"question": "khởi động"}, headers=reader)  # load the models once
                for q in SEARCHES:  # warm every query path once, so "alone" is not the cold start
                    client.get("/api/search", params={"q": q, "k": 5}, headers=reader)
                alone_s = alone_seconds if alone_seconds is not None else max(10.0, seconds / 4)
                log(f"short searches alone for {alone_s:.0f} s …")
                alone = _phase_alone(client, reader, alone_s)
                log(f"{askers} askers + 1 long asker + 1 editor + 1 searcher for {seconds:.0f} s …")
                clients: list[Any] = []

                def factory() -> Any:
                    clients.append(httpx.Client(base_url=base, timeout=600))
                    return clients[-1]

                recs = _phase_load(factory, keys, seconds, askers)
                for c in clients:
                    c.close()
            rss_mb, rss_peak_mb = process_rss_mb(proc.pid)  # one process: answers run on its niced threads
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    machine["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    alone_p95 = percentile_ms(alone.ms, 95) if alone.ms else 0.0
    load_p95 = percentile_ms(recs["search"].ms, 95) if recs["search"].ms else 0.0
    kinds = {name: rec.summary() for name, rec in recs.items()}
    errors = sum(k["errors"] for k in kinds.values()) + len(alone.errors)
    leaks = sum(k["leaks"] for k in kinds.values()) + alone.leaks
    p95_ratio = ratio(load_p95, alone_p95)
    return {
        "benchmark": "load",
        "machine": machine,
        "seconds": seconds,
        "askers": askers,
        "search_alone": alone.summary(),
        "under_load": kinds,
        "errors": errors,
        "leaks": leaks,
        "search_p95_alone_ms": round(alone_p95, 1),
        "search_p95_under_load_ms": round(load_p95, 1),
        "search_p95_ratio": round(p95_ratio, 2),
        "server_rss_end_mb": round(rss_mb),
        "server_rss_peak_mb": round(rss_peak_mb),
        "server_processes": 1,
        "passed": errors == 0 and leaks == 0 and p95_ratio <= 2.0,
    }


def render_load_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Load benchmark (`troly bench load`)",
        "",
        *machine_markdown(report["machine"]),
        "",
        f"{report['askers']} concurrent askers, one 2,000-character asker, one editor uploading and deleting, "
        f"one short-search client, for {report['seconds']:.0f} s against a real `troly serve`.",
        "",
        f"- **Errors: {report['errors']}**, **leaks: {report['leaks']}**",
        f"- Short searches p95: {report['search_p95_alone_ms']} ms alone, "
        f"{report['search_p95_under_load_ms']} ms under load → **ratio {report['search_p95_ratio']}** (goal ≤ 2)",
        f"- Server memory (the only server process; answers and ingest run on its low-priority threads): "
        f"RSS {report.get('server_rss_end_mb', '–')} MB at the end, peak {report.get('server_rss_peak_mb', '–')} MB",
        f"- Verdict: {'PASS' if report['passed'] else 'FAIL'}",
        "",
        "| requests | count | statuses | errors | leaks | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = {"search alone": report["search_alone"], **report["under_load"]}
    for name, k in rows.items():
        lat = k.get("latency_ms") or {}
        lines.append(
            f"| {name} | {k['requests']} | {k['statuses']} | {k['errors']} | {k['leaks']} | "
            f"{lat.get('p50_ms', '–')} | {lat.get('p95_ms', '–')} |"
        )
    examples = [e for k in report["under_load"].values() for e in k["error_examples"]]
    if examples:
        lines += ["", "Error examples:", *[f"- `{e}`" for e in examples[:10]]]
    return "\n".join(lines) + "\n"


def write_load_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    return write_report(report, render_load_markdown(report), out_dir, "bench_load")
