"""What keeps a 100k-chunk server under 1 GB (issue 13.4; eval/reports/bench_memory.md has the figures)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from rag.index import FilterColumns
from rag.lexical import Postings


def test_filter_columns_share_equal_strings_instead_of_one_copy_per_row() -> None:
    # JSON gives every row its own str object; 100k rows of 1,000 doc ids were 100k strings per column.
    rows = [("".join(["luat-", "dat-dai"]), "law", 2, "Chương I", 0, "") for _ in range(3)]
    assert rows[0][0] is not rows[1][0]
    cols = FilterColumns.from_rows(rows)
    assert cols.doc_id[0] is cols.doc_id[1] is cols.doc_id[2]
    assert cols.doc_id.tolist() == ["luat-dat-dai"] * 3
    assert cols.level.dtype == np.int8 and cols.topic.dtype == np.int32


def test_saved_postings_are_mapped_read_only_not_read_into_memory(tmp_path) -> None:
    main = Postings.build([["giải_ngân", "vốn"], ["vốn", "~von"]])
    main.save(tmp_path)
    loaded = Postings.load(tmp_path)
    assert isinstance(loaded.rows, np.memmap) and isinstance(loaded.tf, np.memmap)
    assert not loaded.rows.flags.writeable
    rows, tf = loaded.postings("vốn")
    assert rows.tolist() == [0, 1] and tf.tolist() == [1, 1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_serve_limits_malloc_arenas_on_glibc() -> None:
    from ui.cli.serve import tune_malloc

    assert tune_malloc() is True
