"""Shared set-up for the API, schemathesis and browser tests: a real small index.

The index holds the real topic guide from corpus/ (public) plus one short
"MẬT"-stamped plan (classified ``mat``) whose distinctive words – the
Vân Phong Bắc economic zone and the official Trần Minh Khôi – appear nowhere
else, so any response containing them is a leak.
"""

from __future__ import annotations

from pathlib import Path

from rag.settings import Settings
from service.auth import User, UserStore
from service.troly import TrolyService

CORPUS_GUIDE = (
    Path(__file__).resolve().parent.parent / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
)
SECRET_MARKERS = ("Vân Phong Bắc", "Trần Minh Khôi")
SECRET_QUESTION = "Ai được dự kiến điều động giữ chức Trưởng ban quản lý khu kinh tế Vân Phong Bắc?"
SECRET_TEXT = """MẬT

ĐẢNG BỘ TỈNH
Số: 12-KH/TU

GỢI Ý CHUYÊN ĐỀ THẢO LUẬN VỀ CÔNG TÁC CÁN BỘ NĂM 2026

1. Phương án điều động cán bộ chủ chốt khu kinh tế Vân Phong Bắc

- Thực trạng: Khu kinh tế Vân Phong Bắc đang thiếu 14 cán bộ chủ chốt. Dự kiến điều động đồng chí \
Trần Minh Khôi giữ chức Trưởng ban quản lý khu kinh tế Vân Phong Bắc từ quý I năm 2026.

- Vấn đề thảo luận: Có nên luân chuyển 14 cán bộ chủ chốt về khu kinh tế Vân Phong Bắc trong quý I năm 2026 hay không?

- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Ban quản lý khu kinh tế Vân Phong Bắc.

2. Quy hoạch cán bộ nguồn cho khu kinh tế Vân Phong Bắc

- Thực trạng: Nguồn cán bộ trẻ của khu kinh tế Vân Phong Bắc mới đạt 40% yêu cầu quy hoạch.

- Vấn đề thảo luận: Giải pháp nào để bổ sung cán bộ nguồn cho khu kinh tế Vân Phong Bắc?

- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Ban quản lý khu kinh tế Vân Phong Bắc.
"""


def build_index(data_dir: Path, tmp_dir: Path) -> tuple[Settings, str]:
    """Ingest the guide (public) and the secret plan (mat) into ``data_dir``; returns settings and the secret doc id."""
    settings = Settings(data_dir=data_dir)
    secret = tmp_dir / "ke-hoach-can-bo-mat.txt"
    secret.write_text(SECRET_TEXT, encoding="utf-8")
    service = TrolyService(settings)
    admin = User(name="setup", role="admin", clearance="tuyet_mat")
    public = service.ingest_paths(admin, [CORPUS_GUIDE], "public")
    classified = service.ingest_paths(admin, [secret], "mat")
    assert not public.errors and not classified.errors, (public.errors, classified.errors)
    service.index.close()
    return settings, classified.documents[0]["doc_id"]


def add_users(data_dir: Path) -> dict[str, str]:
    """One user per interesting combination; returns name → API key."""
    store = UserStore.for_data_dir(data_dir)
    keys = {}
    for name, role, level in (
        ("doc_gia", "reader", "public"),
        ("bien_tap", "editor", "public"),
        ("can_bo_mat", "reader", "mat"),
        ("quan_tri", "admin", "tuyet_mat"),
    ):
        keys[name] = store.add(name, role=role, clearance=level)[1]
    return keys


def contains_secret(text: str) -> bool:
    return any(marker.lower() in text.lower() for marker in SECRET_MARKERS)


def docx_first_page_png(docx_path: Path, png_path: Path, work_dir: Path) -> Path:
    """Page 1 of a .docx as LibreOffice lays it out (headless soffice → PDF → PNG): the README's picture of
    the talking-points file. Used by ``make screenshots`` only."""
    import shutil
    import subprocess

    import pypdfium2

    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice is missing: apt-get install -y libreoffice-writer")
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{work_dir}/lo-profile", "--convert-to", "pdf",
         "--outdir", str(work_dir), str(docx_path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = pypdfium2.PdfDocument(str(work_dir / (docx_path.stem + ".pdf")))
    png_path.parent.mkdir(parents=True, exist_ok=True)
    pdf[0].render(scale=1.3).to_pil().save(png_path)
    return png_path


if __name__ == "__main__":  # make screenshots: python tests/ui_support.py DOCX PNG
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(docx_first_page_png(Path(sys.argv[1]), Path(sys.argv[2]), Path(tmp)))
