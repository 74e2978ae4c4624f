"""The one door to underthesea: same tokens as a plain ``import underthesea``, without torch.

The reference side runs in a separate interpreter that does nothing but
``import underthesea`` (the upstream path, translate/torch included), so the
comparison does not depend on the lazy-package trick it checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from ingest.underthesea_tools import pos_tag, sent_tokenize, word_tokenize

ROOT = Path(__file__).resolve().parent.parent
LAW = "luat-bao-chi.txt"

REFERENCE = textwrap.dedent(
    """
    import json, sys
    import underthesea
    paragraphs = json.load(sys.stdin)
    out = [[underthesea.sent_tokenize(p), underthesea.word_tokenize(p, format="text"), underthesea.word_tokenize(p)]
           for p in paragraphs]
    json.dump(out, sys.stdout, ensure_ascii=False)
    """
)


def _paragraphs(path: Path, limit: int) -> list[str]:
    blocks = [" ".join(b.split()) for b in path.read_text(encoding="utf-8").split("\n\n")]
    return [b for b in blocks if b][:limit]


def _texts(shared: Path | None) -> list[str]:
    texts = _paragraphs(ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt", 200)
    if shared is not None:
        for path in sorted((shared / "party_docs").glob("*.txt")):
            texts += _paragraphs(path, 60)
        texts += _paragraphs(shared / "vn_laws" / LAW, 60)
    return texts


def _reference(texts: list[str]) -> list[list]:
    result = subprocess.run(
        [sys.executable, "-c", REFERENCE],
        input=json.dumps(texts, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout)


def test_tokens_equal_plain_underthesea_on_guide_party_docs_and_a_law(shared_data: Path) -> None:
    texts = _texts(shared_data)
    assert len(texts) > 60  # the guide alone has dozens of paragraphs; with the party docs and a law, more
    expected = _reference(texts)
    got = [[sent_tokenize(t), word_tokenize(t, format="text"), word_tokenize(t)] for t in texts]
    assert got == expected


def test_known_segmentation_by_hand() -> None:
    assert word_tokenize("Tăng trưởng kinh tế năm 2025 đạt 6,42%", format="text").startswith("Tăng_trưởng kinh_tế")
    assert sent_tokenize("Giải ngân chưa đạt 100%. Cần đẩy mạnh đầu tư công.") == [
        "Giải ngân chưa đạt 100%.",
        "Cần đẩy mạnh đầu tư công.",
    ]


def test_part_of_speech_by_hand() -> None:
    tagged = dict(pos_tag("Doanh thu xổ số điện toán năm 2025 là bao nhiêu tỷ đồng?"))
    assert tagged["Doanh thu"] == "N" and tagged["điện toán"] == "N"  # compounds whole, nouns
    assert tagged["2025"] == "M" and tagged["là"] == "V" and tagged["đồng"] == "Nu"  # number, verb, unit


PROBE = textwrap.dedent(
    """
    import sys, json
    from ingest.underthesea_tools import pos_tag, word_tokenize
    word_tokenize("Việt Nam")
    pos_tag("Bộ Tài chính chủ trì")
    loaded = sorted(m for m in ("torch", "transformers", "underthesea.pipeline.translate") if m in sys.modules)
    from underthesea import word_tokenize as plain  # served by the lazy package, still cheap
    cheap = sorted(m for m in ("torch", "transformers") if m in sys.modules)
    import underthesea
    version = underthesea.__version__  # anything else runs the real __init__
    print(json.dumps([loaded, cheap, bool(version), "torch" in sys.modules, plain("Việt Nam")]))
    """
)


def test_the_door_does_not_import_torch_until_something_else_is_asked_for() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=600, check=True
    )
    loaded, cheap, has_version, torch_after_full_init, plain = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [] and cheap == []
    assert has_version and torch_after_full_init  # the full package still works when asked for
    assert plain == ["Việt Nam"]
