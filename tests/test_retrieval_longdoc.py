"""Issue 24: the long-document development set, document-level ranking and conversational questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.longdoc_eval import (
    EMBED_TEXTS,
    DevQuestion,
    article_documents,
    chunk_articles,
    citizen_questions,
    document_rank,
    known_item_questions,
    law_articles,
    law_title,
)
from rag.lexical import without_question_framing
from rag.retrieval import document_ranking
from rag.settings import Settings

LAW = """QUỐC HỘI

Luật số: 12/2012/QH13

LUẬT

CÔNG ĐOÀN

Chương I

NHỮNG QUY ĐỊNH CHUNG

Điều 1. Công đoàn

Công đoàn là tổ chức chính trị - xã hội rộng lớn của giai cấp công nhân.

Điều 2. Phạm vi điều chỉnh

Luật này quy định về quyền, trách nhiệm của Công đoàn.

Chương II

QUYỀN, TRÁCH NHIỆM CỦA CÔNG ĐOÀN

Điều 3. Tài chính công đoàn

1. Đoàn phí công đoàn do đoàn viên đóng.

2. Kinh phí công đoàn do doanh nghiệp đóng bằng 2% quỹ tiền lương.
"""


@pytest.fixture
def law_dir(tmp_path: Path) -> Path:
    (tmp_path / "luat-cong-doan.txt").write_text(LAW, encoding="utf-8")
    return tmp_path


def test_articles_are_cut_at_articles_and_chapters(law_dir: Path) -> None:
    articles = law_articles(law_dir / "luat-cong-doan.txt")
    assert [(a.number, a.title) for a in articles] == [
        (1, "Công đoàn"),
        (2, "Phạm vi điều chỉnh"),
        (3, "Tài chính công đoàn"),
    ]
    assert "Chương II" not in articles[1].body and "QUYỀN, TRÁCH NHIỆM" not in articles[1].body
    assert articles[2].body.endswith("bằng 2% quỹ tiền lương.")


def test_the_article_title_is_not_indexed_but_asked(law_dir: Path) -> None:
    docs, articles = article_documents(law_dir, ["luat-cong-doan"])
    third = docs[2]
    assert third.doc_id == "luat-cong-doan:dieu-3"
    assert third.title == "Luật công đoàn – Điều 3"
    assert "Tài chính công đoàn" not in third.text and "Tài chính công đoàn" not in third.title
    asked = {q.text: q.gold for q in known_item_questions(articles)}
    assert asked["Tài chính công đoàn"] == {"luat-cong-doan:dieu-3"}
    assert asked["Phạm vi điều chỉnh"] == {"luat-cong-doan:dieu-2"}


def test_law_title_from_its_header() -> None:
    assert law_title(LAW, "luat-cong-doan") == "Luật công đoàn"
    assert law_title("no header here", "luat-cong-doan") == "luat cong doan"


def test_missing_law_is_a_vietnamese_error_naming_the_file(tmp_path: Path) -> None:
    from eval.longdoc_eval import DevSetError

    with pytest.raises(DevSetError, match=r"luat-khong-co\.txt: không tìm thấy"):
        article_documents(tmp_path, ["luat-khong-co"])


def test_citizen_set_has_over_100_questions_with_article_gold() -> None:
    questions = citizen_questions()
    assert len(questions) >= 100
    assert all(q.gold and all(":dieu-" in g for g in q.gold) for q in questions)
    assert {q.split for q in questions} == {"tune", "report"}


def test_bad_citizen_line_names_file_and_line(tmp_path: Path) -> None:
    from eval.longdoc_eval import DevSetError

    bad = tmp_path / "set.jsonl"
    bad.write_text('# comment\n{"id": "x", "question": "Hỏi gì?"}\n', encoding="utf-8")
    with pytest.raises(DevSetError, match=r"set\.jsonl:2: câu hỏi không hợp lệ"):
        citizen_questions(bad)


def test_document_rank_counts_distinct_documents() -> None:
    ranking = ["a", "a", "b", "a", "c", "d", "e", "f"]
    assert document_rank(ranking, {"c"}) == 3
    assert document_rank(ranking, {"a"}) == 1
    assert document_rank(ranking, {"f"}) is None  # sixth distinct document: beyond the depth of 5
    assert DevQuestion("x", "q", "citizen", {"a"}, "report").split == "report"


def test_document_ranking_sums_a_documents_best_passages() -> None:
    # doc B has the single best passage, doc A three good ones: with 3 passages of evidence A ranks first
    scores = {"a1": 0.4, "a2": 0.4, "a3": 0.4, "b1": 0.9, "b2": 0.1}
    doc_of = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"}
    assert document_ranking(scores, doc_of, evidence=3) == ["a1", "b1"]
    assert document_ranking(scores, doc_of, evidence=1) == ["b1", "a1"]
    assert document_ranking({"a1": 1.0, "a2": 0.5}, {"a1": "A", "a2": "A"}) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tôi có được nghỉ phép năm không?", "có được nghỉ phép năm"),
        ("Hết hợp đồng mà vẫn đi làm tiếp thì sao?", "hết hợp đồng mà vẫn đi làm tiếp ?"),
        ("Thử việc tối đa được bao lâu?", "thử việc tối đa được ?"),
        # "không được" inside a question is content, only the final "không" asks
        ("Những nơi nào không được đình công?", "những nơi nào không được đình công?"),
        # no tone marks: "toi" may be "tới", "dau" may be "đầu" – left alone
        ("toi co duoc nghi khong", "toi co duoc nghi khong"),
        ("Tôi?", "Tôi?"),  # nothing left: the question as asked
    ],
)
def test_conversational_framing_is_dropped_from_the_lexical_query(question: str, expected: str) -> None:
    assert without_question_framing(question) == expected


def test_eval_retrieval_without_shared_data_says_what_is_missing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ui.cli import app

    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "data"), "eval", "retrieval", "--shared", str(tmp_path / "nowhere")]
    )
    assert result.exit_code == 1
    assert "thiếu thư mục vn_laws hoặc party_docs" in result.output
    assert "Traceback" not in result.output


def test_batched_queries_are_the_vectors_of_one_by_one_queries(tmp_path: Path) -> None:
    import numpy as np

    from rag.embeddings import make_embeddings
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    questions = ["Thử việc tối đa được bao lâu?", "mức lương tối thiểu vùng"]
    batched = make_embeddings(settings).embed_queries(questions)
    single = make_embeddings(settings, cached=False)
    assert batched.shape == (2, single.dimension)
    for row, question in zip(batched, questions, strict=True):
        assert np.allclose(row, single.embed_query(question), atol=1e-4)


def test_an_article_carries_its_chapter_as_real_ingestion_does(law_dir: Path) -> None:
    # a law ingested whole gives each article's passages the heading path "Chương II QUYỀN, … › Điều 3 …"; the
    # development set drops the article's own title (it is the query) but keeps the chapter above it
    articles = law_articles(law_dir / "luat-cong-doan.txt")
    assert [a.outline for a in articles] == [
        "Chương I NHỮNG QUY ĐỊNH CHUNG",
        "Chương I NHỮNG QUY ĐỊNH CHUNG",
        "Chương II QUYỀN, TRÁCH NHIỆM CỦA CÔNG ĐOÀN",
    ]
    docs, _ = article_documents(law_dir, ["luat-cong-doan"])
    chunks = chunk_articles(docs, Settings(), lambda text: len(text.split()), articles)
    third = [c for c in chunks if c.doc_id == "luat-cong-doan:dieu-3"]
    assert third and all(c.heading_path == "Chương II QUYỀN, TRÁCH NHIỆM CỦA CÔNG ĐOÀN" for c in third)
    assert all("Tài chính công đoàn" not in c.search_text for c in third)


def test_the_dense_probe_variants_embed_what_their_names_say(law_dir: Path) -> None:
    # the probe compares what the embedder sees; its "title+path+text" must be what the development set indexes
    articles = law_articles(law_dir / "luat-cong-doan.txt")
    docs, _ = article_documents(law_dir, ["luat-cong-doan"])
    chunk = next(c for c in chunk_articles(docs, Settings(), lambda text: len(text.split()), articles))
    chapter = "Chương I NHỮNG QUY ĐỊNH CHUNG"
    assert EMBED_TEXTS["title+path+text"](chunk) == chunk.search_text
    assert EMBED_TEXTS["text"](chunk) == chunk.text
    assert EMBED_TEXTS["path+text"](chunk) == f"{chapter}\n{chunk.text}"
    assert EMBED_TEXTS["title+text"](chunk) == f"{chunk.doc_title}\n{chunk.text}"
    assert chapter in chunk.search_text and chunk.doc_title in chunk.search_text
