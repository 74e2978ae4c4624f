"""Hand-made documents and chunks for index/retrieval tests (real text, exact offsets).

Built by hand rather than through ingest so these tests pin down the index's
own behaviour whatever the chunker does.
"""

from __future__ import annotations

from ingest.model import Chunk, Document, Topic, content_hash

GUIDE_PARTS = [
    (
        1,
        "Giải quyết điểm nghẽn trong giải ngân vốn đầu tư công",
        "Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75%; tăng trưởng kinh tế năm 2025 đạt 6,42%, "
        "chưa đạt mục tiêu Nghị quyết đề ra (7,5%).",
        ["Đảng bộ Sở Tài chính", "Đảng bộ Thống kê tỉnh"],
    ),
    (
        2,
        "Vận hành mô hình chính quyền 2 cấp sau sáp nhập",
        "Năm 2025 là năm đầu tiên vận hành mô hình chính quyền địa phương hai cấp; việc phối hợp "
        "giữa các sở, ngành và cấp xã có lúc chưa nhịp nhàng.",
        ["Đảng bộ Sở Nội vụ", "Đảng bộ Văn phòng UBND tỉnh"],
    ),
    (
        3,
        "Khắc phục tâm lý sợ sai, sợ trách nhiệm",
        "Vẫn còn một bộ phận cán bộ có tâm lý cầu an, sợ sai, đùn đẩy trách nhiệm khi xử lý "
        "các vấn đề mới chưa có tiền lệ.",
        ["Đảng bộ Sở Tư pháp"],
    ),
]


def guide(version: int = 1, path: str = "/corpus/guide.txt", doc_id: str = "guide") -> tuple[Document, list[Chunk]]:
    """A three-topic guide; ``version`` 2 rewrites topic 3 so its chunk changes."""
    parts = list(GUIDE_PARTS)
    if version == 2:
        n, title, body, orgs = parts[2]
        parts[2] = (n, title, body + " Cần cơ chế bảo vệ cán bộ dám nghĩ, dám làm.", orgs)
    text, topics, spans = "", [], []
    for n, title, body, orgs in parts:
        start = len(text)
        text += f"{n}. {title}\n{body}\n\n"
        topics.append(Topic(number=n, title=title, start=start, end=len(text), organisations=orgs))
        spans.append((start + len(f"{n}. {title}\n"), start + len(f"{n}. {title}\n") + len(body)))
    doc = Document(doc_id, "Gợi ý chuyên đề thảo luận", path, "topic_guide", text, content_hash(text), topics=topics)
    chunks = [
        Chunk(
            chunk_id=f"{doc_id}:{t.number}:{content_hash(text[s:e])}",
            doc_id=doc_id,
            doc_title=doc.title,
            doc_type=doc.doc_type,
            text=text[s:e],
            start=s,
            end=e,
            topic=t.number,
            topic_title=t.title,
            section="Thực trạng",
            organisations=t.organisations,
            hash=content_hash(text[s:e]),
        )
        for t, (s, e) in zip(topics, spans, strict=True)
    ]
    return doc, chunks


def secret_report(path: str = "/corpus/mat.txt") -> tuple[Document, list[Chunk]]:
    """A classified ('mat') report whose text also talks about giải ngân, to test clearance filtering."""
    text = "Báo cáo mật: giải ngân vốn đầu tư công của dự án cao tốc đạt 40%, chậm do vướng mặt bằng."
    doc = Document("secret", "Báo cáo mật", path, "report", text, content_hash(text), classification="mat")
    chunk = Chunk(
        chunk_id="secret:0",
        doc_id="secret",
        doc_title=doc.title,
        doc_type="report",
        text=text,
        start=0,
        end=len(text),
        classification="mat",
        hash=content_hash(text),
    )
    return doc, [chunk]
