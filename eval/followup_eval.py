"""Follow-up questions measured on conversations written by hand (eval/followup/conversations.jsonl).

Each conversation has two or three turns on the topic guide in corpus/, Kế hoạch 3260 and the Cà Mau financial
plan (../shared/data/party_docs). Every turn after the first is scored twice: the **rewrite** (does the standalone
question contain the phrases written with it, e.g. "chuyên đề 3" and "chuẩn bị thảo luận"?) and the **answer**
(does the answer to the rewritten question hold the key fact?). The same follow-up asked alone, without the
conversation, is the baseline. Earlier turns are answered by the system itself, as in the chat. Conversations
are split tune/report by ``eval.questions.split_of``.

    python -m eval.followup_eval --shared ../shared/data --out eval/reports/followup
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.questions import split_of
from ingest.normalize import fold

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = ROOT / "eval" / "followup" / "conversations.jsonl"
GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
SHARED_FILES = ("ke-hoach-3260-kh-ddqh15_2025-01-10.txt", "kh0204-kh-ubnd-camau_2025-11-24.txt")


def load_conversations(path: Path = CONVERSATIONS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _has(text: str, phrases: list[str]) -> bool:
    return all(fold(p) in fold(text) for p in phrases)


def _has_any(text: str, phrases: list[str]) -> bool:
    return any(fold(p) in fold(text) for p in phrases)


def run(service: Any, user: Any, conversations: list[dict[str, Any]], k: int = 5) -> dict[str, Any]:
    """Play every conversation through ``service`` (rewrite, then ask); score each follow-up turn."""
    from rag.followup import rewrite_followup

    rows: list[dict[str, Any]] = []
    rewrite_ms: list[float] = []
    for conv in conversations:
        history: list[dict[str, Any]] = []
        for n, turn in enumerate(conv["turns"]):
            start = time.perf_counter()
            rewrite = rewrite_followup(turn["question"], history)
            rewrite_ms.append((time.perf_counter() - start) * 1000)
            answer = service.ask(user, rewrite.standalone, k, channel="eval")
            text = "" if answer.refused else answer.answer
            history.append({"question": turn["question"], "standalone": rewrite.standalone, "answer": text})
            if n == 0:
                continue
            alone = service.ask(user, turn["question"], k, channel="eval")
            rows.append(
                {
                    "id": conv["id"],
                    "turn": n + 1,
                    "split": split_of(conv),
                    "question": turn["question"],
                    "standalone": rewrite.standalone,
                    "rewrite_ok": _has(rewrite.standalone, turn["standalone_contains"]),
                    "answer_ok": _has_any(text, turn["key_fact"]),
                    "alone_ok": _has_any("" if alone.refused else alone.answer, turn["key_fact"]),
                    "refused": bool(answer.refused),
                }
            )
    return {"rows": rows, "rewrite_ms_p50": statistics.median(rewrite_ms), "rewrite_ms_max": max(rewrite_ms)}


def summary(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    out = {}
    for split in ("tune", "report", "all"):
        rows = [r for r in result["rows"] if split == "all" or r["split"] == split]
        if not rows:
            continue
        out[split] = {
            "turns": len(rows),
            "conversations": len({r["id"] for r in rows}),
            "rewrite": sum(r["rewrite_ok"] for r in rows) / len(rows),
            "key_fact": sum(r["answer_ok"] for r in rows) / len(rows),
            "key_fact_alone": sum(r["alone_ok"] for r in rows) / len(rows),
        }
    return out


def render_markdown(result: dict[str, Any], load: tuple[float, float]) -> str:
    lines = [
        "# Follow-up questions — hand-written conversations",
        "",
        f"`python -m eval.followup_eval`; load average at start {load[0]:.2f}, at end {load[1]:.2f} (2 cores).",
        "",
        "| split | conversations | follow-up turns | rewrite correct | key fact (rewritten) | key fact (asked alone) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for split, s in summary(result).items():
        lines.append(
            f"| {split} | {s['conversations']} | {s['turns']} | {s['rewrite']:.3f} | {s['key_fact']:.3f} | "
            f"{s['key_fact_alone']:.3f} |"
        )
    lines += [
        "",
        f"Rewrite time: p50 {result['rewrite_ms_p50']:.3f} ms, max {result['rewrite_ms_max']:.3f} ms (target ≤ 50 ms).",
        "",
        "## Misses",
        "",
    ]
    for r in result["rows"]:
        if not (r["rewrite_ok"] and r["answer_ok"]):
            lines.append(
                f"- {r['id']} turn {r['turn']} ({r['split']}): “{r['question']}” → “{r['standalone']}” — "
                f"rewrite {'ok' if r['rewrite_ok'] else 'wrong'}, key fact {'found' if r['answer_ok'] else 'missing'}"
                + (" (refused)" if r["refused"] else "")
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    import os

    from rag.settings import Settings
    from service.auth import User
    from service.troly import TrolyService

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "followup")
    args = parser.parse_args(argv)
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="troly-followup-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        service = TrolyService(settings)
        admin = User(name="eval", role="admin", clearance="tuyet_mat")
        files = [GUIDE, *(args.shared / "party_docs" / name for name in SHARED_FILES)]
        report = service.ingest_paths(admin, files, "public")
        if report.errors:
            raise SystemExit(f"ingest failed: {report.errors}")
        result = run(service, admin, load_conversations(), settings.k)
        service.index.close()
    load = (load_start, os.getloadavg()[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(
        json.dumps({**result, "summary": summary(result), "load": load}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    markdown = render_markdown(result, load)
    args.out.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
