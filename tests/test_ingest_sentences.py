"""THE splitter and THE fold: layout lines stay units, codes stay tokens, the model round-trips through JSON."""

from __future__ import annotations

from dataclasses import asdict

from ingest.model import Assignment, Chunk, Document, DocumentMeta, Heading
from ingest.normalize import fold, fold_tokens
from ingest.sentences import sentence_spans, split_sentences

HEADER = """ĐẢNG ỦY CHÍNH PHỦ
VĂN PHÒNG
Số 402-CV/VPĐU
Hà Nội, ngày 25 tháng 5 năm 2025
KẾ HOẠCH
Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;
1. Mục đích
Đến hết 24/5/2025, có 22 nhiệm vụ hoàn thành. Thực hiện thường xuyên là 42 nhiệm vụ.
| 25. | Tham mưu Chính phủ thành lập Ủy ban dữ liệu quốc gia. | Bộ Công an | Quá hạn |
Nơi nhận:
- Lưu: VT, VPĐUCP (2).
T/M ĐẢNG ĐOÀN QUỐC HỘI
BÍ THƯ
Trần Thanh Mẫn"""


def test_layout_lines_are_units_and_prose_is_split():
    assert split_sentences(HEADER) == [
        "ĐẢNG ỦY CHÍNH PHỦ",
        "VĂN PHÒNG",
        "Số 402-CV/VPĐU",
        "Hà Nội, ngày 25 tháng 5 năm 2025",
        "KẾ HOẠCH",
        "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;",
        "1. Mục đích",
        "Đến hết 24/5/2025, có 22 nhiệm vụ hoàn thành.",
        "Thực hiện thường xuyên là 42 nhiệm vụ.",
        "| 25. | Tham mưu Chính phủ thành lập Ủy ban dữ liệu quốc gia. | Bộ Công an | Quá hạn |",
        "Nơi nhận:",
        "- Lưu: VT, VPĐUCP (2).",
        "T/M ĐẢNG ĐOÀN QUỐC HỘI",
        "BÍ THƯ",
        "Trần Thanh Mẫn",
    ]


def test_numbered_paragraph_keeps_its_label():
    text = "  1. An ninh quốc gia là sự ổn định, phát triển bền vững của chế độ xã hội chủ nghĩa và Nhà nước. " + (
        "Bảo vệ an ninh quốc gia là phòng ngừa, phát hiện, ngăn chặn các hoạt động xâm phạm an ninh quốc gia."
    )
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "1. An ninh quốc gia là sự ổn định, phát triển bền vững của chế độ xã hội chủ nghĩa và Nhà nước.",
        "Bảo vệ an ninh quốc gia là phòng ngừa, phát hiện, ngăn chặn các hoạt động xâm phạm an ninh quốc gia.",
    ]


def test_spans_inside_a_window_are_offsets_of_the_whole_text():
    text = "Mở đầu.\nTrân trọng./.\nCâu một dài hơn một chút. Câu hai."
    start = text.index("Câu")
    assert [text[s:e] for s, e in sentence_spans(text, start)] == ["Câu một dài hơn một chút.", "Câu hai."]


def test_fold_collapses_spaces_and_marks():
    assert fold("  Thủy  LỢI\nĐột   phá ") == "thuy loi dot pha"
    assert fold("Hoà") == fold("Hòa") == "hoa"


def test_fold_tokens_keep_codes_whole():
    assert fold_tokens("Nghị quyết số 36-NQ/TW") == ["nghi", "quyet", "so", "36-nq/tw"]
    assert fold_tokens("KH&CN, ĐMST") == ["kh&cn", "dmst"]
    assert fold_tokens("Tờ trình 12/TTr-BNV.") == ["to", "trinh", "12/ttr-bnv"]
    assert fold_tokens("TP. Hồ Chí Minh") == ["tp.", "ho", "chi", "minh"]
    assert fold_tokens("Ban Bí thư, Bộ Chính trị") == ["ban", "bi", "thu", "bo", "chinh", "tri"]
    assert fold_tokens("kinh-tế") == ["kinh", "te"]


def test_document_round_trips_with_nested_structure():
    doc = Document(
        doc_id="d",
        title="KẾ HOẠCH",
        path="d.txt",
        doc_type="other",
        text="x" * 50,
        source_hash="h",
        meta=DocumentMeta(kind="ke_hoach", number="3260-KH/ĐĐQH15", spans={"number": (1, 5)}),
        headings=[Heading("I.", "MỤC ĐÍCH", 1, 0, 50, "I. MỤC ĐÍCH")],
        assignments=[Assignment("Bộ Tài chính", "thẩm định", "chu_tri", "Quý II/2025", 3, 9, "I. MỤC ĐÍCH")],
    )
    data = {**asdict(doc), "unknown_future_key": 1}
    data["meta"]["spans"] = {"number": [1, 5]}  # JSON turns tuples into lists
    back = Document.from_dict(data)
    assert back == doc
    assert back.heading_path_at(10) == "I. MỤC ĐÍCH"


def test_chunk_search_text_puts_title_and_path_first():
    chunk = Chunk("c", "d", "Kế hoạch 3260", "other", "Chủ trì thẩm tra.", 0, 5, heading_path="II. › a)")
    assert chunk.search_text == "Kế hoạch 3260 › II. › a)\nChủ trì thẩm tra."
    assert Chunk.from_metadata("t", chunk.to_metadata()).heading_path == "II. › a)"


def test_a_later_sentence_of_a_list_item_reads_the_item_opening_and_prose_does_not() -> None:
    from ingest.sentences import item_lead

    text = (
        "Phần mở đầu của báo cáo.\n"
        "- Ví dụ mục 2: Xây dựng chính sách hợp tác công tư (PPP) cho KHCN. Đề xuất: Điều chỉnh thời hạn là tháng 9.\n"
        "Đoạn văn xuôi thứ nhất nói về ngân sách. Câu thứ hai nói về việc khác.\n"
        "12. Mục mười hai giao Sở Tài chính. Sở báo cáo hằng quý."
    )
    spans = sentence_spans(text)
    sentences = [text[s:e] for s, e in spans]
    leads = {text[s:e]: item_lead(text, spans, s) for s, e in spans}
    assert sentences == [
        "Phần mở đầu của báo cáo.",
        "- Ví dụ mục 2: Xây dựng chính sách hợp tác công tư (PPP) cho KHCN.",
        "Đề xuất: Điều chỉnh thời hạn là tháng 9.",
        "Đoạn văn xuôi thứ nhất nói về ngân sách.",
        "Câu thứ hai nói về việc khác.",
        "12. Mục mười hai giao Sở Tài chính.",
        "Sở báo cáo hằng quý.",
    ]
    assert leads["Đề xuất: Điều chỉnh thời hạn là tháng 9."] == sentences[1]
    assert leads["Sở báo cáo hằng quý."] == sentences[5]
    assert leads["Câu thứ hai nói về việc khác."] == ""  # a prose paragraph's opening does not bound the rest
    assert leads[sentences[1]] == ""  # an opening has no lead of its own


def test_an_item_reads_the_line_opening_its_list_through_earlier_items_and_prose_does_not() -> None:
    from ingest.sentences import list_opening

    text = (
        "Điều 77\n\n"
        "Người tiếp công dân có trách nhiệm:\n\n"
        "1- Tiếp nhận khiếu nại, tố cáo;\n\n"
        "2- Hướng dẫn công dân thực hiện quyền khiếu nại, tố cáo;\n\n"
        "2. Đoàn giám sát có những nhiệm vụ, quyền hạn sau đây:\n"
        "a) Xây dựng kế hoạch giám sát;\n"
        "b) Thông báo nội dung, kế hoạch giám sát.\n"
        "Đoạn văn xuôi sau danh sách.\n"
        "c) Một mục sau đoạn văn xuôi."
    )

    def opening(sentence: str) -> str:
        return list_opening(text, text.index(sentence))

    assert opening("2- Hướng dẫn công dân") == "Người tiếp công dân có trách nhiệm:"
    assert opening("1- Tiếp nhận") == "Người tiếp công dân có trách nhiệm:"
    assert opening("b) Thông báo") == "2. Đoàn giám sát có những nhiệm vụ, quyền hạn sau đây:"
    assert opening("Đoạn văn xuôi") == ""  # not an item
    assert opening("c) Một mục") == ""  # prose stands between it and any opening
    assert opening("Người tiếp công dân") == ""


def test_an_item_after_a_sibling_that_opens_a_sub_list_has_no_opening_of_its_own_and_a_cut_list_is_seen() -> None:
    from ingest.sentences import list_opening, opens_before

    text = "1. Bộ Tài chính có nhiệm vụ sau đây:\na) Lập dự toán;\nb) Kiểm tra quyết toán.\n2. Công khai số liệu."
    assert list_opening(text, text.index("2. Công khai")) == ""  # "1. …:" opens the a), b) list, not 2.'s
    assert list_opening(text, text.index("b) Kiểm tra")) == "1. Bộ Tài chính có nhiệm vụ sau đây:"
    cut = "2. Bảo đảm kinh phí sửa chữa.\n3. Kiểm tra việc thực hiện chế độ."  # a passage that starts in a list
    assert opens_before(cut, cut.index("3. Kiểm tra")) and opens_before(cut, 0)
    assert not opens_before(text, text.index("b) Kiểm tra"))
    assert not opens_before("Điều 5. Nguyên tắc\n1. Công khai.", 20)


def test_letter_i_after_h_is_a_letter_item_not_a_roman_numeral() -> None:
    # Luật Đê điều, Điều 42, khoản 2 runs a) … h), i): "i)" is the ninth letter, "ii." and "IV." are numerals
    from ingest.sentences import item_kind, list_opening

    assert item_kind("i) Giải quyết khiếu nại, tố cáo.") == "letter"
    assert item_kind("h) Tổ chức thanh tra.") == "letter"
    assert item_kind("ii. Nhiệm vụ thứ hai.") == "other"
    assert item_kind("IV. TỔ CHỨC THỰC HIỆN") == "other"
    assert item_kind("3- Giữ bí mật.") == "number"
    assert item_kind("Bộ Tài chính có nhiệm vụ:") == ""
    text = "Bộ Công Thương có nhiệm vụ sau đây:\nh) Tổ chức thanh tra;\ni) Giải quyết khiếu nại."
    assert list_opening(text, text.index("i) Giải")) == "Bộ Công Thương có nhiệm vụ sau đây:"
