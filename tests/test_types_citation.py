"""The citation fields are declared once (ingest.model.Citation): the API schema and the JSON carry exactly those."""

from __future__ import annotations

import json

from ingest.model import Citation
from rag.serialize import CITATION_KEYS, citation_to_dict
from ui.routes.models import AskResponse, TalkingPointsOut, citation_out

# Written by hand from the list of what a citation says: its number, the passage, the document (title and
# id), where it sits, the quoted sentence and its offsets, the page.
DECLARED = {
    "n",
    "chunk_id",
    "document",
    "doc_id",
    "topic",
    "topic_title",
    "section",
    "heading_path",
    "quote",
    "start",
    "end",
    "page",
}


def _citation() -> Citation:
    return Citation(1, "guide:1:ab", "Gợi ý chuyên đề", "guide", 1, "Giải ngân", "Thực trạng", "đạt 75%", 10, 17)


def _citation_schema(model: type, ref_holder: str) -> dict:
    schema = model.model_json_schema()  # type: ignore[attr-defined]
    items = schema["properties"][ref_holder]["items"]
    name = items["$ref"].rsplit("/", 1)[-1]
    return schema["$defs"][name]


def test_json_keys_are_the_declared_fields() -> None:
    assert set(CITATION_KEYS) == DECLARED
    assert len(CITATION_KEYS) == len(DECLARED)
    out = citation_to_dict(_citation())
    assert set(out) == DECLARED
    assert json.loads(json.dumps(out, ensure_ascii=False))["document"] == "Gợi ý chuyên đề"


def test_api_schema_of_answers_and_talking_points_carries_exactly_the_declared_fields() -> None:
    for model in (AskResponse, TalkingPointsOut):
        cited = _citation_schema(model, "citations")
        assert set(cited["properties"]) == DECLARED
        assert set(cited["required"]) == DECLARED - {"page", "heading_path"}


def test_api_citation_falls_back_to_the_section_for_its_heading_path() -> None:
    dumped = AskResponse(
        question="q", answer="a", refused=False, citations=[citation_out(_citation())], latency_ms=1.0, generator="x"
    ).model_dump()
    (cited,) = dumped["citations"]
    assert set(cited) == DECLARED
    assert cited["heading_path"] == "Thực trạng"
    assert (cited["start"], cited["end"], cited["page"]) == (10, 17, None)
