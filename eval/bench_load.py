"""``troly bench load``: many readers, one writer and one long question against a real server.

The question is whether readers wait on writers and whether anything leaks or
breaks under concurrency (issue 12.9). A real ``troly serve`` process is
started on a fresh data dir holding the topic guide (public) and a small
"MẬT" plan whose marker words appear nowhere else. Then, for ``seconds``:

* ``askers`` public readers ask short questions from the topic-guide set;
* one public reader asks 2,000-character questions;
* one public editor uploads a small document and deletes it again, in a loop;
* one public reader times short searches.

The askers, the long asker and the editor run in a second client process; the
timed searcher runs alone in this one, in both phases, so its timings are the
server's and not the wait for a GIL shared with 34 busy client threads.

Before that, the same short searches are timed alone against the same server,
in the same run. The report gives errors (5xx, transport failures, unexpected
statuses), leaks (a marker of the classified plan in any public response), the
searches' p95 under load against their p95 alone, ask throughput and p50/p95,
and the load average sampled during each phase. A second phase repeats it with
``troly serve --workers 2`` against a real ``chroma run`` server. The CPU is
sampled before anything starts: a run begun on a busy machine is reported as
"busy: rerun on a quiet machine", never PASS (issue 23.5).
"""

from __future__ import annotations

import functools
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eval.bench_common import (
    BUSY_BEFORE_FRACTION,
    LoadSampler,
    cpu_busy_fraction,
    load_average,
    machine_info,
    machine_markdown,
    percentile_ms,
    process_rss_mb,
    ratio,
    start_troly_serve,
    summary_ms,
    verdict,
    wait_until_ready,
    write_report,
)
from eval.processes import descendants, free_port, is_answer_worker, running, stop

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


def _prepare(data: Path, log: Log, chroma: str = "") -> dict[str, str]:
    """Index the guide (public) and the classified plan (mat); create the users; returns name → key."""
    from rag.settings import Settings
    from service.auth import User, UserStore
    from service.troly import TrolyService

    secret = data.parent / "ke-hoach-nhan-su-mat.txt"
    secret.write_text(SECRET_PLAN, encoding="utf-8")
    service = TrolyService(Settings(data_dir=data, chroma=chroma))
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


def _search_loop(client: Any, headers: dict, rec: Recorder, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        q = SEARCHES[n % len(SEARCHES)]
        _timed(rec, functools.partial(client.get, "/api/search", params={"q": q, "k": 5}, headers=headers), (200,))
        n += 1


def _ask_loop(client: Any, headers: dict, questions: list[str], rec: Recorder, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        body = {"question": questions[n % len(questions)]}
        _timed(rec, functools.partial(client.post, "/api/ask", json=body, headers=headers), (200,))
        n += 1


def _editor_loop(client: Any, headers: dict, rec: Recorder, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        name = f"thong-bao-tai-{n}.txt"
        text = f"Thông báo số {n}: chi bộ thôn Phú Hòa họp ngày {n % 28 + 1} để bàn việc sửa đường liên thôn."
        files = [("files", (name, text.encode("utf-8")))]
        _timed(rec, functools.partial(client.post, "/api/documents", files=files, headers=headers), (200,))
        _timed(rec, functools.partial(client.delete, f"/api/documents/{name}", headers=headers), (200, 404))
        n += 1


def _phase_alone(client: Any, headers: dict, seconds: float) -> Recorder:
    rec = Recorder()
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    _search_loop(client, headers, rec, stop)
    return rec


def _phase_load(base: str, keys: dict[str, str], seconds: float, askers: int) -> tuple[dict[str, dict], Recorder]:
    """The loaded phase. The askers, the long asker and the editor run in a separate process (spawned, see
    ``_load_clients``); only the timed searcher runs here, alone in this process, as in the "alone" phase. With
    every client thread in one interpreter, the searcher's timings included its wait for this process's GIL
    behind 34 busy client threads — the load generator's queue, not the server's (officials' browsers are other
    machines). The load process keeps normal priority: it still takes its share of the two cores. Returns the load
    process's summaries per kind of request and the timed searches."""
    import multiprocessing

    import httpx

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    clients = context.Process(target=_load_clients, args=(base, keys, seconds, askers, results), daemon=True)
    clients.start()
    try:
        if results.get(timeout=120) != "started":
            raise RuntimeError("the load-generating process did not start")
        rec, stop = Recorder(), threading.Event()
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        with httpx.Client(base_url=base, timeout=600) as client:
            _search_loop(client, {"X-API-Key": keys["doc_gia"]}, rec, stop)
        summaries = results.get(timeout=seconds + 900)
    finally:
        clients.join(timeout=30)
        if clients.is_alive():
            clients.kill()
    return summaries, rec


def _load_clients(base: str, keys: dict[str, str], seconds: float, askers: int, results: Any) -> None:
    """The load-generating process: ``askers`` short askers, one long asker and one editor for ``seconds``;
    puts "started", then each kind's summary, on ``results``."""
    import httpx

    reader, editor = {"X-API-Key": keys["doc_gia"]}, {"X-API-Key": keys["bien_tap"]}
    recs = {"ask": Recorder(), "long_ask": Recorder(), "edit": Recorder()}
    stop = threading.Event()
    questions = _questions(60)
    clients = [httpx.Client(base_url=base, timeout=600) for _ in range(askers + 2)]
    threads = [
        threading.Thread(target=_ask_loop, args=(clients[i], reader, questions[i:] + questions[:i], recs["ask"], stop))
        for i in range(askers)
    ]
    threads.append(
        threading.Thread(target=_ask_loop, args=(clients[-2], reader, [_long_question()], recs["long_ask"], stop))
    )
    threads.append(threading.Thread(target=_editor_loop, args=(clients[-1], editor, recs["edit"], stop)))
    for t in threads:
        t.start()
    results.put("started")
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=600)
    for c in clients:
        c.close()
    results.put({name: rec.summary() for name, rec in recs.items()})


def _tree_rss_mb(pid: int) -> dict[str, Any]:
    """RSS now and the sum of high-water marks of ``pid`` and every process below it, and of the answer workers
    alone (``python -m service.workers``) with their count."""
    below = descendants(pid)
    workers = [p for p, cmd in below.items() if is_answer_worker(cmd)]
    totals = {"tree": [0.0, 0.0], "workers": [0.0, 0.0]}
    for p in [pid, *below]:
        try:
            rss, hwm = process_rss_mb(p)
        except (OSError, KeyError):  # a worker that exited meanwhile
            continue
        for name in ("tree", "workers") if p in workers else ("tree",):
            totals[name][0] += rss
            totals[name][1] += hwm
    return {
        "server_rss_end_mb": round(totals["tree"][0]),
        "server_rss_peak_mb": round(totals["tree"][1]),
        "answer_workers": len(workers),
        "answer_worker_rss_mb": round(totals["workers"][0] / len(workers)) if workers else 0,
    }


def _serve_and_measure(
    data: Path,
    keys: dict[str, str],
    seconds: float,
    askers: int,
    alone_s: float,
    log: Log,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start one ``troly serve`` on ``data``; time searches alone, then under load, in the same run."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_troly_serve(data, port, data.parent / f"server-{workers}.log", env=env, workers=workers)
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            wait_until_ready(base, proc, 300)
            reader = {"X-API-Key": keys["doc_gia"]}
            _warm_up(base, reader, 4 * max(1, workers))
            for q in SEARCHES:  # warm every query path once, so "alone" is not the cold start
                client.get("/api/search", params={"q": q, "k": 5}, headers=reader)
            log(f"[{workers} process(es)] short searches alone for {alone_s:.0f} s …")
            with LoadSampler() as alone_load:
                alone = _phase_alone(client, reader, alone_s)
            log(f"[{workers} process(es)] {askers} askers + 1 long asker + 1 editor + 1 searcher for {seconds:.0f} s …")
            with LoadSampler() as load_load:
                loaded, searches = _phase_load(base, keys, seconds, askers)
        memory = _tree_rss_mb(proc.pid)
    finally:
        stop(proc, 30)
    alone_p95 = percentile_ms(alone.ms, 95) if alone.ms else 0.0
    load_p95 = percentile_ms(searches.ms, 95) if searches.ms else 0.0
    kinds = {**loaded, "search": searches.summary()}
    asks = kinds["ask"]["statuses"].get("200", 0)
    return {
        "server_processes": workers,
        "search_alone": alone.summary(),
        "under_load": kinds,
        "errors": sum(k["errors"] for k in kinds.values()) + len(alone.errors),
        "leaks": sum(k["leaks"] for k in kinds.values()) + alone.leaks,
        "search_p95_alone_ms": round(alone_p95, 1),
        "search_p95_under_load_ms": round(load_p95, 1),
        "search_p95_ratio": round(ratio(load_p95, alone_p95), 2),
        "answers_200": asks,
        "ask_throughput_per_s": round(asks / seconds, 2) if seconds > 0 else 0.0,
        "load_average_alone": alone_load.summary(),
        "load_average_under_load": load_load.summary(),
        **memory,
    }


def _warm_up(base: str, headers: dict[str, str], n: int) -> None:
    """``n`` answers at once, so every answer-worker process (started on demand) has loaded its model before
    anything is timed."""
    import httpx

    def one(i: int) -> None:
        with httpx.Client(base_url=base, timeout=600) as client:
            client.post("/api/ask", json={"question": f"khởi động {i}"}, headers=headers)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@contextmanager
def _chroma_server(folder: Path) -> Iterator[str]:
    """A real ``chroma run`` on a free loopback port, stopped afterwards; yields "127.0.0.1:PORT"."""
    import sys

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    cmd = [str(chroma), "run", "--path", str(folder / "chroma-server"), "--port", str(port), "--host", "127.0.0.1"]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", folder / "chroma.log", seconds=60):
        yield f"127.0.0.1:{port}"


def run_load_benchmark(
    seconds: float, askers: int, log: Log, alone_seconds: float | None = None, workers_phase: bool = True
) -> dict[str, Any]:
    """Run the whole benchmark in a temporary data dir; returns the report (not yet written).

    Before anything starts, the CPU is sampled for a few seconds: a run begun while other work holds more than
    ``BUSY_BEFORE_FRACTION`` of the machine is reported as "busy: rerun on a quiet machine", never PASS.
    """
    machine = machine_info()
    busy_fraction = cpu_busy_fraction(3.0)
    machine["cpu_busy_fraction_before"] = busy_fraction
    busy_before = busy_fraction > BUSY_BEFORE_FRACTION
    if busy_before:
        log(f"the machine is busy before the run ({busy_fraction:.0%} of the CPU in use): no PASS will be claimed")
    alone_s = alone_seconds if alone_seconds is not None else max(10.0, seconds / 4)
    phases: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="troly-bench-load-") as tmp:
        data = Path(tmp) / "one" / "data"
        data.parent.mkdir()
        keys = _prepare(data, log)
        phases.append(_serve_and_measure(data, keys, seconds, askers, alone_s, log))
        if workers_phase:
            folder = Path(tmp) / "two"
            folder.mkdir()
            with _chroma_server(folder) as chroma:
                data2 = folder / "data"
                keys2 = _prepare(data2, log, chroma=chroma)
                phases.append(
                    _serve_and_measure(
                        data2, keys2, seconds, askers, alone_s, log, workers=2, env={"TROLY_CHROMA": chroma}
                    )
                )
    machine["load_average_1min_at_end"] = load_average()
    main = phases[0]
    passed = all(p["errors"] == 0 and p["leaks"] == 0 for p in phases) and main["search_p95_ratio"] <= 2.0
    disturbed = main["search_p95_ratio"] < 1.0  # searches alone slower than under load: the baseline was disturbed
    return {
        "benchmark": "load",
        "machine": machine,
        "seconds": seconds,
        "askers": askers,
        **main,
        "phases": phases,
        "errors": sum(p["errors"] for p in phases),
        "leaks": sum(p["leaks"] for p in phases),
        "busy_before": busy_before,
        "passed": passed and not busy_before and not disturbed,
        "verdict": verdict(passed, busy_before, disturbed),
    }


def render_load_markdown(report: dict[str, Any]) -> str:
    def loads(summary: dict[str, float]) -> str:
        return f"{summary['min']}–{summary['max']} (mean {summary['mean']})" if summary else "–"

    lines = [
        "# Load benchmark (`troly bench load`)",
        "",
        *machine_markdown(report["machine"]),
        f"- CPU in use by other work just before the run: {report['machine'].get('cpu_busy_fraction_before', 0):.0%}"
        f" ({'busy' if report.get('busy_before') else 'quiet'}; a busy start never gives a PASS)",
        "",
        f"{report['askers']} concurrent askers, one 2,000-character asker, one editor uploading and deleting, "
        f"one short-search client, for {report['seconds']:.0f} s against a real `troly serve`; the short searches "
        "are first timed alone against the same server, in the same run. The load runs in a client process of its "
        "own; the timed searcher alone in another (so its times are the server's, not a client GIL queue).",
        "",
        f"- **Errors: {report['errors']}**, **leaks: {report['leaks']}** (all phases)",
        f"- **Verdict: {report['verdict']}** (goal: 0 errors, 0 leaks, search p95 under load ≤ 2× alone, one process)",
        "",
        "| server | search p95 alone | under load | ratio | answers (200) | answers/s | ask p50 / p95 ms | "
        "load avg alone | load avg under load | RSS end / peak MB | answer workers (MB each) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for phase in report.get("phases", [report]):
        ask = phase["under_load"]["ask"].get("latency_ms") or {}
        name = (
            "1 process, embedded Chroma"
            if phase["server_processes"] == 1
            else (f"{phase['server_processes']} processes, Chroma server")
        )
        lines.append(
            f"| {name} | {phase['search_p95_alone_ms']} ms | {phase['search_p95_under_load_ms']} ms | "
            f"**{phase['search_p95_ratio']}×** | {phase.get('answers_200', '–')} | "
            f"{phase.get('ask_throughput_per_s', '–')} | {ask.get('p50_ms', '–')} / {ask.get('p95_ms', '–')} | "
            f"{loads(phase.get('load_average_alone', {}))} | {loads(phase.get('load_average_under_load', {}))} | "
            f"{phase.get('server_rss_end_mb', '–')} / {phase.get('server_rss_peak_mb', '–')} | "
            f"{phase.get('answer_workers', '–')} ({phase.get('answer_worker_rss_mb', '–')}) |"
        )
    for phase in report.get("phases", [report]):
        lines += [
            "",
            f"Requests, {phase['server_processes']} server process(es):",
            "",
            "| requests | count | statuses | errors | leaks | p50 ms | p95 ms |",
            "|---|---|---|---|---|---|---|",
        ]
        rows = {"search alone": phase["search_alone"], **phase["under_load"]}
        for name, k in rows.items():
            lat = k.get("latency_ms") or {}
            lines.append(
                f"| {name} | {k['requests']} | {k['statuses']} | {k['errors']} | {k['leaks']} | "
                f"{lat.get('p50_ms', '–')} | {lat.get('p95_ms', '–')} |"
            )
        examples = [e for k in phase["under_load"].values() for e in k["error_examples"]]
        if examples:
            lines += ["", "Error examples:", *[f"- `{e}`" for e in examples[:10]]]
    return "\n".join(lines) + "\n"


def write_load_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    return write_report(report, render_load_markdown(report), out_dir, "bench_load")
