"""``troly doctor``: finds where Chroma, SQLite and the lexical index disagree, names the fix, and repairs it."""

from __future__ import annotations

import json

from index_samples import guide, secret_report
from typer.testing import CliRunner

from rag.index import Index
from rag.lexical import read_pointer
from rag.settings import Settings
from ui.cli import app

runner = CliRunner()


def doctor(settings: Settings, *args: str):
    return runner.invoke(app, ["--data-dir", str(settings.data_dir), "doctor", *args])


def filled(settings: Settings) -> Index:
    index = Index.open(settings)
    doc, chunks = guide()
    sdoc, schunks = secret_report()
    index.upsert([doc, sdoc], chunks + schunks)
    return index


def test_a_consistent_collection_is_ok(settings: Settings) -> None:
    filled(settings).close()
    result = doctor(settings)
    assert result.exit_code == 0, result.output
    assert "2 document(s), 4 chunk row(s), 4 vector(s), 4 lexical row(s)" in result.output
    assert "OK: Chroma, SQLite and the lexical index agree" in result.output


def test_a_lost_vector_is_named_and_re_embedded(settings: Settings) -> None:
    index = filled(settings)
    lost = guide()[1][1].chunk_id
    index.collection.delete(ids=[lost])
    index.close()

    result = doctor(settings, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["vectors"] == 3 and report["chunks"] == 4
    assert report["findings"] == [
        {
            "problem": "1 vector(s) of 'guide' missing from Chroma",
            "repair": "run `troly doctor --repair` (re-embeds missing vectors, deletes stray ones)",
        }
    ]

    repaired = doctor(settings, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "repaired: Chroma: re-embedded 1 missing vector(s), deleted 0 stray vector(s)" in repaired.output
    reopened = Index.open(settings)
    assert lost in reopened.collection.get(include=[])["ids"]


def test_a_lexical_main_without_its_restorer_is_found_and_rebuilt(settings: Settings) -> None:
    filled(settings).close()
    cdir = settings.collection_dir
    broken = read_pointer(cdir)
    (cdir / broken / "restorer.json").unlink()

    result = doctor(settings)
    assert result.exit_code == 1
    assert f"problem: lexical main {broken} has no restorer.json → run `troly doctor --repair`" in result.output
    assert "(rebuilds the lexical index)" in result.output

    repaired = doctor(settings, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "repaired: lexical index rebuilt from 4 chunk row(s)" in repaired.output
    assert read_pointer(cdir) != broken and (cdir / read_pointer(cdir) / "restorer.json").is_file()
    assert doctor(settings).exit_code == 0


def test_an_interrupted_write_is_reported(settings: Settings) -> None:
    index = filled(settings)
    index.db.execute("INSERT OR REPLACE INTO state VALUES ('pending', '1')")  # as a crash mid-upsert leaves it
    index.collection.delete(ids=["secret:0"])
    index.close()
    result = doctor(settings)
    assert result.exit_code == 1
    assert "problem: an upsert or delete was interrupted (pending flag set)" in result.output
    assert "problem: 1 vector(s) of 'secret' missing from Chroma" in result.output
    assert doctor(settings, "--repair").exit_code == 0


def test_a_missing_collection_is_one_clear_line(settings: Settings) -> None:
    result = doctor(settings)
    assert result.exit_code == 1
    assert "no collection 'default'" in result.output and "Traceback" not in result.output
