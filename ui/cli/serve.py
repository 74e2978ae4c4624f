"""``troly serve``: the REST API and the web UI in one uvicorn process.

Refuses to bind a non-loopback address while no users exist, because open
mode has no authentication at all (see service/auth.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ui.cli import settings_of

if TYPE_CHECKING:
    from service.troly import TrolyService

DEFAULT_CORPUS = Path("corpus")


def check_bind(host: str, has_users: bool) -> str | None:
    """Why binding ``host`` is refused, or None when it is allowed."""
    from service.auth import is_loopback

    if is_loopback(host) or has_users:
        return None
    return (
        f"refusing to listen on {host}: no users are configured, so the API would be open to the network. "
        "Create one with `troly users add NAME --role admin`, or bind 127.0.0.1."
    )


def ingest_if_empty(service: TrolyService, corpus: Path) -> None:
    """First start on a fresh clone: index the bundled corpus so the UI has something to show.

    Uses the service the server will run with, so the index is opened (and the model loaded) once.
    Only counts are printed: file names of a classified corpus stay off the console.
    """
    from service.auth import open_mode_user

    if service.index.documents() or not corpus.is_dir():
        return
    from ingest.pipeline import SUPPORTED_SUFFIXES

    paths = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not paths:
        return
    typer.echo(f"index is empty: ingesting {len(paths)} file(s) from {corpus}/ …", err=True)
    report = service.ingest_paths(open_mode_user("admin", "tuyet_mat"), paths)
    for err in report.errors:
        typer.echo(f"  skipped {Path(err.path).name}: {err.reason}", err=True)
    typer.echo(f"  indexed {len(report.documents)} document(s)", err=True)


def check_workers(workers: int, chroma: str) -> str | None:
    """Why ``--workers N`` is refused, or None: several processes need one Chroma server (rag/index.py)."""
    if workers <= 1 or chroma:
        return None
    return (
        f"--workers {workers} needs a Chroma server shared by the workers (embedded Chroma is one process's "
        "store: other processes would search stale vectors). Start one with `chroma run --path DATA/chroma-server "
        "--port 8000` and set TROLY_CHROMA=127.0.0.1:8000."
    )


M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MALLOC_ARENAS = 2
MMAP_THRESHOLD = 256 * 1024


def tune_malloc() -> bool:
    """Keep a long-running server's RSS near what it holds: few malloc arenas, big blocks straight from the OS.

    With 40 request threads glibc grows up to 8 arenas per core, and each keeps
    the memory its searches freed; its mmap threshold also ratchets up after
    the first large free, so per-search score arrays (800 KB at 100k chunks)
    end up in those arenas instead of being returned. Both are fixed here, at
    start-up, before the threads exist (eval/reports/bench_memory.md measures it).
    Returns False where glibc's ``mallopt`` is not available.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not sys.platform.startswith("linux") or not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)) and bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # another libc (musl): keep its defaults
        return False


def answer_workers_note(setting: int | None) -> str:
    """How answers are computed, for the start-up line (service/workers.py)."""
    from service.workers import default_size

    size = default_size(setting)
    return f"answers in up to {size} worker process(es)" if size else "answers on threads of this process"


def worker_app() -> Any:
    """The app of one ``troly serve --workers N`` process (uvicorn imports it in each worker).

    Each worker opens the index itself; the SQLite generation keeps them in
    step (every search first picks up what any worker committed).
    """
    from rag.settings import Settings
    from service.audit import configure_logging
    from ui.api import create_app

    tune_malloc()
    settings = Settings()  # the parent passed data dir, collection and Chroma server through TROLY_* variables
    configure_logging(settings.log_level)
    app = create_app(settings)
    app.state.troly.service().warm_workers()
    return app


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        ctx: typer.Context,
        host: str | None = typer.Option(None, "--host", help="Bind address (default: settings.host, 127.0.0.1)."),
        port: int | None = typer.Option(None, "--port", help="Port (default: settings.port, 7860)."),
        no_ingest: bool = typer.Option(False, "--no-ingest", help="Do not index ./corpus when the index is empty."),
        corpus: Path = typer.Option(DEFAULT_CORPUS, "--corpus", help="Folder indexed on first start."),
        workers: int = typer.Option(
            1, "--workers", min=1, help="Worker processes; more than 1 needs a Chroma server (TROLY_CHROMA)."
        ),
    ) -> None:
        """Serve the web UI at / and the REST API at /api (OpenAPI docs at /docs).

        Without users the service is open to this machine only; add users (`troly users add`) to
        bind another address.

        Example: troly serve --port 7860
        """
        from service.auth import AuthError, UserStore

        settings = settings_of(ctx)
        bind_host, bind_port = host or settings.host, port or settings.port
        try:
            has_users = UserStore.for_data_dir(settings.data_dir).has_users()
        except AuthError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        refusal = check_bind(bind_host, has_users) or check_workers(workers, settings.chroma)
        if refusal:
            typer.echo(f"error: {refusal}", err=True)
            raise typer.Exit(2)
        import uvicorn

        from service.audit import configure_logging
        from ui.api import create_app
        from ui.routes.deps import AppState

        configure_logging(settings.log_level)
        tune_malloc()
        # One OpenMP thread per embedding call: a server embeds for many requests at once, and a 2-thread
        # team waits at every barrier for a core another request holds (search p95 ratio under load 3.7 ->
        # 2.5, eval/reports/bench_load.md). Set before the model loads; an explicit setting wins.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        # Short requests (a search) must not queue behind the GIL held by an answer being computed:
        # a shorter switch interval lets them in sooner (eval/reports/bench_load.md measures the effect).
        sys.setswitchinterval(0.0005)
        state = AppState(settings)  # one service: the index is opened and the model loaded once
        if not no_ingest:
            ingest_if_empty(state.service(), corpus)
        mode = "API keys required" if has_users else "open mode (no users; loopback only)"
        mode += f"  ·  {answer_workers_note(settings.workers)}"
        if workers > 1:
            os.environ.update(
                TROLY_DATA_DIR=str(settings.data_dir.resolve()),
                TROLY_COLLECTION=settings.collection,
                TROLY_CHROMA=settings.chroma,
            )
            if settings.workers is None:  # the cores shared between the serving processes' answer workers
                from service.workers import default_size

                os.environ["TROLY_WORKERS"] = str(max(1, default_size(None) // workers))
            typer.echo(f"troly: http://{bind_host}:{bind_port}/  ·  {workers} workers  ·  {mode}", err=True)
            uvicorn.run(
                "ui.cli.serve:worker_app",
                factory=True,
                workers=workers,
                host=bind_host,
                port=bind_port,
                log_level="warning",
                access_log=False,
                log_config=None,
            )
            return
        state.service().warm_workers()
        app = create_app(settings, state=state)
        typer.echo(f"troly: http://{bind_host}:{bind_port}/  ·  API docs /docs  ·  {mode}", err=True)
        # uvicorn's access log is off: the audit log records every request (without query strings)
        uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning", access_log=False, log_config=None)
