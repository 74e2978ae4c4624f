"""The one exception ingest raises for a file it cannot use, and what a user reads about it.

Every loader and check raises :class:`IngestFileError` with a short reason for developers ("file is
empty", "needs OCR: …"), so the batch driver can report one line per bad file and carry on with the rest
instead of showing a traceback. The reason stays English in logs and in the API's JSON; the UI and the CLI
show :func:`user_reason`, its Vietnamese wording — one table here, so every way a file is refused (loaders,
size and zip limits, the upload checks, clearance) reads the same wherever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ingest.model import LEVEL_NAMES


class IngestFileError(Exception):
    """A file that cannot be ingested; ``str(err)`` is a one-line "path: reason"."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(f"{self.path}: {self.reason}")


def _decimal(text: str) -> str:
    """ "1.5" → "1,5": Vietnamese writes a decimal comma."""
    return text.replace(".", ",")


def _level(key: str) -> str:
    return LEVEL_NAMES.get(key, key)


def _no_extension(kind: str) -> str:
    return "tệp không có phần mở rộng" if kind == "without extension" else f"loại tệp {kind}"


_NO_TEXT = "tài liệu không có chữ nào đọc được"
_BINARY = "tệp nhị phân, không phải văn bản; không có gì được lập chỉ mục"
_REASONS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"unsupported file type \((?P<kind>[^)]*)\); supported: (?P<ok>.*)",
     lambda m: f"không hỗ trợ {_no_extension(m['kind'])} (chỉ nhận: {m['ok']})"),
    (r"unsupported file type \(supported: (?P<ok>.*)\)", lambda m: f"không hỗ trợ loại tệp này (chỉ nhận: {m['ok']})"),
    (r"(?:the )?file is empty", lambda m: "tệp rỗng (0 byte)"),
    (r"file contains only whitespace", lambda m: "tệp chỉ có khoảng trắng, không có chữ"),
    (r"not a regular file", lambda m: "không phải một tệp thông thường"),
    (r"file is too large \((?P<size>[\d.]+) MB > (?P<limit>[\d.]+) MB limit\)",
     lambda m: f"tệp quá lớn ({_decimal(m['size'])} MB, giới hạn {_decimal(m['limit'])} MB)"),
    (r"larger than (?P<mb>\d+) MB", lambda m: f"tệp lớn hơn giới hạn tải lên {m['mb']} MB"),
    (r"cannot read file \((?P<why>.*)\)", lambda m: "không đọc được tệp trên máy chủ"),
    (r"no text found|the document has no text|no text left after cleaning|the HTML page has no visible text",
     lambda m: _NO_TEXT),
    (r"password-protected \.docx or old binary \.doc.*",
     lambda m: "tệp .docx có mật khẩu hoặc là tệp .doc đời cũ; hãy lưu lại thành .docx không đặt mật khẩu"),
    (r"not a valid \.docx.*", lambda m: "không phải tệp .docx hợp lệ (tệp hỏng hoặc không phải tệp Word)"),
    (r"not a valid PDF.*", lambda m: "không phải tệp PDF hợp lệ (tệp bị hỏng)"),
    (r"password-protected PDF.*", lambda m: "tệp PDF có mật khẩu; hãy lưu một bản không đặt mật khẩu"),
    (r"cannot extract text from PDF.*", lambda m: "không trích được chữ từ tệp PDF"),
    (r"not a PDF file.*", lambda m: "tệp không phải PDF (thiếu phần đầu %PDF); hãy kiểm tra đúng loại tệp"),
    (r"needs OCR: no text layer in (?P<n>\d+) page\(s\).*",
     lambda m: f"cần nhận dạng chữ (OCR): {m['n']} trang không có lớp chữ (bản quét?)"),
    (r"binary content \((?P<what>[^)]*)\) disguised as text.*",
     lambda m: f"tệp nhị phân ({m['what']}) mang đuôi tệp văn bản; hãy đặt đúng đuôi tệp"),
    (r"invalid (?P<codec>\S+) text.*", lambda m: f"văn bản {m['codec']} bị lỗi mã hoá"),
    (r"binary file.*|not readable text in any known encoding.*", lambda m: _BINARY),
    (r"XML in .* nests deeper than (?P<n>\d+) levels.*",
     lambda m: f"XML trong tệp lồng sâu quá {m['n']} cấp (giới hạn TROLY_MAX_XML_DEPTH)"),
    (r".* declares a DTD.*", lambda m: "tệp chứa khai báo DTD, điều tệp Office thật không có; bị từ chối"),
    (r"broken XML in .*", lambda m: "XML trong tệp bị hỏng"),
    (r"inflates to more than (?P<mb>\d+) MB.*",
     lambda m: f"giải nén ra hơn {m['mb']} MB (nghi là bom zip); giới hạn TROLY_MAX_UNZIPPED_MB"),
    (r"not a valid zip-based file.*", lambda m: "tệp nén (.docx) không hợp lệ"),
    (r"(?P<n>\d+) entries in the archive \(limit (?P<limit>\d+).*",
     lambda m: f"tệp nén có {m['n']} mục (giới hạn {m['limit']}, TROLY_MAX_ZIP_ENTRIES)"),
    (r"corrupt archive member.*", lambda m: "một phần của tệp nén bị hỏng"),
    (r"(?P<n>\d+) objects in the PDF \(limit (?P<limit>\d+).*",
     lambda m: f"tệp PDF có {m['n']} đối tượng (giới hạn {m['limit']}, TROLY_MAX_PDF_OBJECTS)"),
    (r"(?P<n>\d+) pages \(limit (?P<limit>\d+).*",
     lambda m: f"tệp PDF có {m['n']} trang (giới hạn {m['limit']}, TROLY_MAX_PDF_PAGES)"),
    (r"classification '(?P<level>\w+)' is above your clearance",
     lambda m: f"độ mật “{_level(m['level'])}” cao hơn mức bạn được xem"),
    (r"marked '(?P<level>\w+)', above your clearance",
     lambda m: f"tài liệu mang dấu “{_level(m['level'])}”, cao hơn mức bạn được xem"),
    (r"low text quality: (?P<bad>\d+)% of words are not Vietnamese syllables, (?P<mean>[\d.]+) letters per word.*",
     lambda m: f"chất lượng chữ thấp: {m['bad']}% số từ không phải âm tiết tiếng Việt, trung bình "
     f"{_decimal(m['mean'])} chữ cái mỗi từ (PDF giãn chữ hoặc sai bảng mã?)"),
    (r"unexpected error while reading.*",
     lambda m: "lỗi không lường trước khi đọc tệp (chi tiết trong nhật ký máy chủ)"),
)  # fmt: skip
_COMPILED = tuple((re.compile(pattern, re.DOTALL), say) for pattern, say in _REASONS)


def user_reason(reason: str) -> str:
    """The Vietnamese a user reads for a developer reason: "the file is empty" → "tệp rỗng (0 byte)".

    A reason this table does not know yet is shown after a Vietnamese lead-in rather than hidden.
    """
    text = " ".join(str(reason).split())
    for pattern, say in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    return f"không nạp được tệp ({text})" if text else "không nạp được tệp"
