"""HTML -> PDF with WeasyPrint: the only module that imports it.

WeasyPrint's own fetcher opens any file:// path and fetches http(s) URLs; the
fetcher here serves only files inside the allowed folders and refuses the rest
before anything is opened.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

MIME_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class RefusedURL(ValueError):
    """A resource outside the allowed folders was asked for; it is not opened."""


class ProjectFetcher(URLFetcher):
    """Serves files whose real path lies inside the allowed folders; nothing else."""

    def __init__(self, allowed: list[Path]):
        super().__init__(allowed_protocols={"file"})
        self.allowed = [folder.resolve() for folder in allowed]
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURL as exc:
            self.refused.append(str(exc))
            raise
        if path.suffix.lower() not in MIME_TYPES:
            raise RefusedURL(f"refused {url}: not an allowed type of file")
        body = path.read_bytes()
        return URLFetcherResponse(
            url, body=body, headers={"Content-Type": MIME_TYPES[path.suffix.lower()]}
        )

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused {url}: only project files are read")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            raise RefusedURL(f"refused {url}: outside the project's templates and assets")
        if not path.is_file():
            raise RefusedURL(f"refused {url}: no such file")
        return path


def write_pdf(html: str, base: Path, allowed: list[Path], target: Path) -> tuple[int, list[str]]:
    """Render html to the PDF file target; return its page count and what was refused."""
    fetcher = ProjectFetcher(allowed)
    document = weasyprint.HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher).render()
    document.write_pdf(
        target,
        pdf_variant="pdf/ua-1",
        pdf_identifier=b"advocacy",
        attachments=[],
        custom_metadata=True,
    )
    return len(document.pages), fetcher.refused


def quiet_weasyprint() -> None:
    """Keep WeasyPrint's progress and CSS notes out of the user's terminal."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def page_count(path: Path) -> int:
    """Pages in an existing PDF file."""
    from pypdf import PdfReader

    return len(PdfReader(path).pages)
