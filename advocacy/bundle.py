"""A release's folder and zip, and whether they fit in an e-mail.

The folder is written beside its final name and renamed into place when
complete; the zip has the same bytes for the same files and commit time.
Each file's size is checked against common mail limits, and each PDF for
fonts embedded whole.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import zipfile
from pathlib import Path

from advocacy.config import Paths
from advocacy.errors import Problem, plural

MAIL_LIMIT = 10_000_000  # bytes: the smaller of the common mail limits, 10 MB


def sha256sums(files: dict[str, bytes]) -> str:
    """What `sha256sum -c SHA256SUMS` checks, run in the release folder."""
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))


def write_dist(dist: Path, name: str, files: dict[str, bytes], stamp: int) -> tuple[Path, Path]:
    """dist/<name>/ and dist/<name>.zip, each put in place by a rename when complete."""
    dist.mkdir(exist_ok=True)
    partial = dist / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    for relative, data in sorted(files.items()):
        target = partial / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    archive = dist / f"{name}.zip"
    zipped = dist / f".{name}.zip.partial"
    zipped.write_bytes(zip_bytes(name, files, stamp))
    folder = dist / name
    old = dist / f".{name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)
    os.replace(zipped, archive)
    shutil.rmtree(old, ignore_errors=True)
    return folder, archive


def zip_bytes(name: str, files: dict[str, bytes], stamp: int) -> bytes:
    """The folder as a zip, the same bytes for the same files: entries sorted, each
    dated stamp (the commit's time, in UTC), mode 644."""
    when = time.gmtime(max(stamp, 315532800))[:6]  # zip dates start in 1980
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{relative}", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # Unix, so the mode is read as one
            archive.writestr(info, files[relative], compresslevel=9)
    return buffer.getvalue()


# ------------------------------------------------------------------- fit for e-mail


def size_warnings(paths: Paths, sizes: list[tuple[Path, int]]) -> list[Problem]:
    message = (
        "{size}, over the 10 MB that many mail servers accept; send a link to it instead, "
        "or make the file smaller"
    )
    return [
        Problem(paths.shown(path), 0, 0, message.format(size=file_size(size)), "warning")
        for path, size in sizes
        if size > MAIL_LIMIT
    ]


def file_size(size: int) -> str:
    """A size as people read it: '812 B', '61.9 kB', '12.4 MB'."""
    if size < 1000:
        return f"{size} B"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def font_warnings(paths: Paths, folder: Path, files: dict[str, bytes]) -> list[Problem]:
    """A warning for each PDF that embeds a font whole rather than its subset."""
    problems = []
    for name in sorted(n for n in files if n.endswith(".pdf")):
        whole = whole_fonts(files[name])
        if whole:
            message = (
                f"{plural(len(whole), 'font')} embedded whole, not subset "
                f"({', '.join(whole)}); the file is larger than it needs to be"
            )
            problems.append(Problem(paths.shown(folder / name), 0, 0, message, "warning"))
    return problems


def whole_fonts(pdf: bytes) -> list[str]:
    """The embedded fonts of a PDF whose names lack a subset's tag (ABCDEF+Name)."""
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for font in fonts.get_object().values():
            font = font.get_object()
            for each in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                descriptor = each.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                if embedded:
                    names.add(str(each.get("/BaseFont", "")).lstrip("/"))
    return sorted(n for n in names if not (len(n) > 7 and n[6] == "+" and n[:6].isupper()))
