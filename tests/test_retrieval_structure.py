"""Structural questions: the passage holding the header field or heading asked about is retrieved."""

from __future__ import annotations

import pytest

from rag.embeddings import make_embeddings
from rag.index import Index
from rag.indexing import index_files
from rag.retrieval import HybridRetriever, SearchFilters
from rag.settings import Settings

TASKS = [
    "Ban Tuyên giáo chủ trì ký kết quy chế phối hợp với các sở, ngành về tuyên truyền chuyển đổi số trong năm 2025.",
    "Sở Tư pháp rà soát các văn bản quy phạm pháp luật, đề xuất sửa đổi số hiệu biểu mẫu hồ sơ trực tuyến.",
    "Văn phòng Tỉnh ủy hướng dẫn ký số văn bản điện tử, lập sổ theo dõi số hiệu văn bản đi và đến.",
    "Sở Nội vụ tham mưu ký hợp đồng đào tạo cán bộ về kỹ năng số, báo cáo kết quả trước ngày 30 tháng 11.",
    "Các huyện ủy, thành ủy xây dựng kế hoạch cụ thể, phân công nhiệm vụ và báo cáo định kỳ sáu tháng.",
]
PLAN = (
    "ĐẢNG CỘNG SẢN VIỆT NAM\nTỈNH ỦY HÒA BÌNH\nSố 12-KH/TU\nHòa Bình, ngày 05 tháng 3 năm 2025\n\nKẾ HOẠCH\n"
    "thực hiện chuyển đổi số trong các cơ quan đảng\n\n"
    "I. MỤC ĐÍCH, YÊU CẦU\n\n1. Mục đích\n\n"
    + "\n\n".join(f"- {t}" for t in TASKS[:2]) * 3
    + "\n\nII. NHIỆM VỤ CỤ THỂ\n\n"
    + "\n\n".join(f"{i}. {t}" for i, t in enumerate(TASKS * 3, start=1))
    + "\n\nIII. TỔ CHỨC THỰC HIỆN\n\n"
    + "- Kế hoạch này cụ thể hóa Nghị quyết số 05-NQ/TU ngày 20/01/2025 của Ban Thường vụ Tỉnh ủy về chuyển đổi số.\n\n"
    + "\n\n".join(f"- {t}" for t in TASKS[2:])
    + "\n\nNơi nhận:\n- Các huyện ủy,\n- Lưu Văn phòng Tỉnh ủy.\n\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\n\nNguyễn Văn Bình\n"
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    work = tmp_path_factory.mktemp("structure")
    (work / "ke-hoach-12.txt").write_text(PLAN, encoding="utf-8")
    settings = Settings(data_dir=work / "data")
    index = Index.open(settings, make_embeddings(settings))
    assert index_files(index, [work / "ke-hoach-12.txt"], settings).result.errors == []
    return HybridRetriever(index=index, settings=settings)


@pytest.mark.parametrize(
    ("question", "written"),
    [
        ("Ai ký Kế hoạch 12-KH/TU?", "Nguyễn Văn Bình"),
        ("Ai ky Ke hoach 12-KH/TU?", "Nguyễn Văn Bình"),
        ("Số hiệu của kế hoạch chuyển đổi số trong các cơ quan đảng là gì?", "Số 12-KH/TU"),
        ("Phần II của Kế hoạch 12-KH/TU có tiêu đề là gì?", "II. NHIỆM VỤ CỤ THỂ"),
        ("Phan II cua Ke hoach 12-KH/TU co tieu de la gi?", "II. NHIỆM VỤ CỤ THỂ"),
    ],
)
def test_structural_questions_retrieve_the_passage_holding_the_field(
    plan: HybridRetriever, question: str, written: str
) -> None:
    hits = plan.search(question, k=3)
    assert [written in h.chunk.text for h in hits][:1] == [True], [h.chunk.text[:60] for h in hits]


def test_the_structure_vote_respects_the_filters(plan: HybridRetriever) -> None:
    hits = plan.search("Ai ký Kế hoạch 12-KH/TU?", k=3, filters=SearchFilters(section="1. Mục đích"))
    assert hits and all(h.chunk.section == "1. Mục đích" for h in hits)


def test_a_document_the_question_names_is_not_answered_by_another_documents_header(plan: HybridRetriever) -> None:
    # the plan (12-KH/TU) only mentions Nghị quyết 05-NQ/TU: its own header's date is not when 05-NQ/TU was issued
    hits = plan.search("Nghị quyết số 05-NQ/TU được ban hành ngày nào?", k=3)
    assert "ngày 20/01/2025" in hits[0].chunk.text, [h.chunk.text[:60] for h in hits]
