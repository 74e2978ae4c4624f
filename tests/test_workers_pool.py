"""Answers run in worker processes of a real ``troly serve`` (service/workers.py): a worker killed with -9 or hung
fails only its own request, with a Vietnamese message, and is replaced; stopping the server leaves no worker behind.

The slow answer comes from a small OpenAI-compatible endpoint started here (the LLM generator's real client talks
to it over HTTP), which streams one word at a time while ``slow`` is set and never answers while ``hang`` is set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from eval.processes import descendants, free_port, is_answer_worker, stop, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
QUESTION = "Mục tiêu tăng trưởng kinh tế là bao nhiêu?"
CRASHED = "Bộ xử lý câu trả lời bị dừng đột ngột"
TIMED_OUT = "Yêu cầu chạy quá 30 giây nên đã bị dừng"


@dataclass
class FakeLLM:
    """What the endpoint does now, and which client port asked last (to find the worker holding the request)."""

    slow: bool = False
    hang: bool = False
    asked: threading.Event = field(default_factory=threading.Event)
    client_port: int = 0


def _cited_figure(prompt: str) -> str:
    """The first passage sentence with a growth percentage, with its passage's marker: what a good model says."""
    blocks = re.findall(r"\[(\d+)\] \([^)]*\)\n(.+?)(?=\n\n\[\d+\] \(|\n\nCâu hỏi:)", prompt, re.S)
    for n, text in blocks:
        for sentence in re.split(r"(?<=\.)\s+", text):
            if "%" in sentence and "tăng trưởng" in sentence:
                return f"{sentence.rstrip('.')} [{n}]."
    return "Không rõ."


def _llm_handler(llm: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            prompt = body["messages"][-1]["content"]
            slow = llm.slow  # fixed for this request: the test turns it off for the requests after it
            llm.client_port = self.client_address[1]
            llm.asked.set()
            if llm.hang:
                time.sleep(120)
                return
            words = _cited_figure(prompt).split(" ")
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for n, word in enumerate(words):
                delta = {"content": word if n == 0 else " " + word}
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake"}
                chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                if slow:
                    time.sleep(1.0)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    llm: FakeLLM


def _worker_pids(server_pid: int) -> list[int]:
    """The server's answer-worker processes (``python -m service.workers``)."""
    return sorted(pid for pid, cmdline in descendants(server_pid).items() if is_answer_worker(cmdline))


def _pid_with_socket_from(pids: list[int], port: int) -> int:
    """Which of ``pids`` owns the TCP socket whose local port is ``port`` (the LLM request it is making)."""
    inode = ""
    for line in (
        Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]
    ):
        fields = line.split()  # a TIME_WAIT entry of an earlier connection on the same port has inode 0
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01" and fields[9] != "0":
            inode = fields[9]
    assert inode, f"no socket with local port {port}"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"none of the workers {pids} holds the LLM request")


def _gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" in status.read_text()
    except OSError:
        return True


def _ask(server: Server, question: str = QUESTION) -> httpx.Response:
    return httpx.post(f"{server.base}/api/ask", json={"question": question}, timeout=180)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("workers")
    data = folder / "data"
    troly = Path(sys.executable).with_name("troly")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TROLY_WORKERS": "0"}
    subprocess.run(
        [str(troly), "--data-dir", str(data), "ingest", str(GUIDE)], check=True, env=env, capture_output=True
    )
    llm = FakeLLM()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _llm_handler(llm))
    threading.Thread(target=http.serve_forever, daemon=True).start()
    env.update(
        TROLY_WORKERS="2",
        TROLY_WORKER_TIMEOUT="30",
        TROLY_GENERATOR="openai",
        TROLY_LLM_URL=f"http://127.0.0.1:{http.server_address[1]}/v1",
        TROLY_LLM_TIMEOUT="300",
    )
    port = free_port()
    log_path = folder / "serve.log"
    cmd = [str(troly), "--data-dir", str(data), "serve", "--port", str(port), "--no-ingest"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/readyz", proc, 180, log_path)
        yield Server(base, proc, llm)
    finally:
        if proc.poll() is None:
            stop(proc)
        http.shutdown()


def test_a_started_server_warms_one_worker_before_any_request(server: Server) -> None:
    # first in this module: no request has been made yet, so a worker can only come from the warm-up
    deadline = time.monotonic() + 60
    while not _worker_pids(server.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    pids = _worker_pids(server.proc.pid)
    assert len(pids) == 1
    # warmed when its CPU time stops growing (model loaded, collection opened): the next test's question then
    # finds it idle, and starts no other worker
    last, still = -1, 0
    while still < 4 and time.monotonic() < deadline + 120:
        fields = Path(f"/proc/{pids[0]}/stat").read_text().rsplit(")", 1)[1].split()
        used = int(fields[11]) + int(fields[12])
        still = still + 1 if used == last else 0
        last = used
        time.sleep(0.5)
    assert still >= 4, "the warming worker never went idle"


def test_workers_run_at_the_lowest_priority_and_the_server_does_not(server: Server) -> None:
    """nice 19 and the SCHED_IDLE policy (5 in /proc/PID/stat: the kernel preempts it whenever the server wakes)."""
    pids = _worker_pids(server.proc.pid)
    assert pids

    def nice_and_policy(pid: int) -> tuple[int, int]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[16]), int(fields[38])  # fields 19 and 41 of stat(5), counted after the command name

    assert nice_and_policy(pids[0]) == (19, 5)
    assert nice_and_policy(server.proc.pid) == (os.getpriority(os.PRIO_PROCESS, 0), 0)  # as its parent: us


def test_an_answer_is_computed_in_a_worker_process_not_in_the_server(server: Server) -> None:
    response = _ask(server)
    assert response.status_code == 200, response.text
    assert response.json()["citations"], response.text  # the endpoint's sentence passed the citation check
    assert len(_worker_pids(server.proc.pid)) == 1  # started on demand: one request needed one worker


def test_a_hung_worker_is_killed_after_the_time_limit_and_only_its_request_fails(server: Server) -> None:
    before = _worker_pids(server.proc.pid)
    server.llm.hang = True
    try:
        response = _ask(server)
    finally:
        server.llm.hang = False
    assert response.status_code == 503
    assert TIMED_OUT in response.json()["detail"]
    after = _ask(server)
    assert after.status_code == 200, after.text
    assert not set(before) & set(_worker_pids(server.proc.pid))  # the hung worker was replaced


def test_a_worker_killed_mid_answer_fails_that_request_alone_and_is_replaced(server: Server) -> None:
    server.llm.slow, server.llm.asked = True, threading.Event()
    results: dict[str, httpx.Response] = {}
    slow = threading.Thread(target=lambda: results.update(slow=_ask(server)))
    slow.start()
    try:
        assert server.llm.asked.wait(120), "the slow answer never reached the LLM endpoint"
        pids = _worker_pids(server.proc.pid)
        victim = _pid_with_socket_from(pids, server.llm.client_port)
        # other requests meanwhile: a search in the server and an answer in the pool's second worker
        server.llm.slow = False
        other = threading.Thread(target=lambda: results.update(other=_ask(server)))
        other.start()
        search = httpx.get(f"{server.base}/api/search", params={"q": "tăng trưởng kinh tế"}, timeout=60)
        os.kill(victim, 9)
        slow.join(120)
        other.join(180)
    finally:
        server.llm.slow = False
    assert results["slow"].status_code == 503
    assert CRASHED in results["slow"].json()["detail"]
    assert results["other"].status_code == 200, results["other"].text
    assert search.status_code == 200 and search.json()
    after = _ask(server)
    assert after.status_code == 200, after.text
    now = _worker_pids(server.proc.pid)
    assert victim not in now
    assert len(now) == 2


def test_a_stream_whose_worker_is_killed_ends_with_an_error_event(server: Server) -> None:
    server.llm.slow, server.llm.asked = True, threading.Event()
    events: list[str] = []
    killed = False
    try:
        with httpx.stream(
            "POST", f"{server.base}/api/ask/stream", json={"question": QUESTION}, timeout=180
        ) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    events.append(line.removeprefix("event: "))
                if events == ["token"] and not killed:  # the first word is out: the worker is mid-answer
                    killed = True
                    victim = _pid_with_socket_from(_worker_pids(server.proc.pid), server.llm.client_port)
                    os.kill(victim, 9)
                if line.startswith("data: ") and events[-1] == "error":
                    assert CRASHED in json.loads(line.removeprefix("data: "))
    finally:
        server.llm.slow = False
    assert events[0] == "token"
    assert events[-1] == "error"
    assert "answer" not in events


def test_stopping_the_server_leaves_no_worker_process(server: Server) -> None:
    assert _ask(server).status_code == 200
    pids = _worker_pids(server.proc.pid)
    assert pids
    stop(server.proc)
    deadline = time.monotonic() + 15
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p for p in pids if not _gone(p)] == []
