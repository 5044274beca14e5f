"""HTML -> PDF with WeasyPrint: the only module that imports it.

WeasyPrint's own fetcher opens any file:// path and fetches http(s) URLs; the
fetcher here serves only files inside the allowed folders and refuses the rest
before anything is opened.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
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
    """Serves files from a few routed folders; refuses everything else unopened.

    routes maps a folder that URLs may name (build/fonts) to the folder the
    files really come from (templates/fonts). A file is served only if its
    real path, after following symlinks, lies inside that real folder.
    """

    def __init__(self, routes: dict[Path, Path]):
        super().__init__(allowed_protocols={"file"})
        self.routes = {Path(k).absolute(): Path(v).resolve() for k, v in routes.items()}
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
            raise RefusedURL(f"refused {url}: only the project's fonts and assets are read")
        named = Path(os.path.normpath(unquote(parts.path)))
        for route, real in self.routes.items():
            if named.is_relative_to(route):
                path = (real / named.relative_to(route)).resolve()
                if path.is_relative_to(real) and path.is_file():
                    return path
        raise RefusedURL(f"refused {url}: not one of the project's fonts or assets")


@dataclass
class Rendered:
    """What drawing a PDF gave: its pages, its sections' lengths, what was refused."""

    pages: int
    sections: list[tuple[str, float]]
    refused: list[str]
    anchors: dict[str, int]  # anchor -> page number, from 1


def write_pdf(
    html: str, base: Path, routes: dict[Path, Path], target: Path, archival: bool = False
) -> Rendered:
    """Render html, whose relative URLs start at base, to the PDF file target.

    The PDF is PDF/UA-1; with archival, it is PDF/A-3u as well: WeasyPrint has
    no combined variant, so it is written as PDF/A-3u with tags, and the
    PDF/UA identifier is added to its XMP metadata afterwards.
    """
    fetcher = ProjectFetcher(routes)
    document = weasyprint.HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher).render()
    document.write_pdf(
        target,
        pdf_variant="pdf/a-3u" if archival else "pdf/ua-1",
        pdf_tags=True,
        pdf_identifier=b"advocacy",
        attachments=[],
        custom_metadata=True,
    )
    finish_tagging(target, archival)
    anchors = {}
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    return Rendered(len(document.pages), section_lengths(document), fetcher.refused, anchors)


def finish_tagging(path: Path, archival: bool = False) -> None:
    """Complete what WeasyPrint 70 leaves out of a PDF/UA file, with pikepdf.

    - table header cells get a /Scope (WeasyPrint ignores HTML's scope);
    - link annotations get the Print flag;
    - running headers and footers, drawn in the page margins and left out of
      the structure tree, are marked as pagination artifacts.
    """
    import pikepdf

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        _scope_header_cells(pdf.Root.StructTreeRoot)
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                annotation.F = 4  # Print
        _margin_boxes_as_artifacts(pdf)
        if archival:
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                xmp.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
                xmp["{http://www.aiim.org/pdfua/ns/id/}part"] = "1"
        pdf.save(path, deterministic_id=True)


def _scope_header_cells(element, in_head: bool = False) -> None:
    import pikepdf

    if not isinstance(element, pikepdf.Dictionary):
        return
    kind = element.get("/S")
    if kind == "/TH":
        attributes = element.get("/A")
        if not isinstance(attributes, pikepdf.Dictionary):
            attributes = element.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
        attributes.Scope = pikepdf.Name.Column if in_head else pikepdf.Name.Row
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        _scope_header_cells(kid, in_head or kind == "/THead")


def _reachable(tree) -> set:
    import pikepdf

    seen, todo = set(), [tree]
    while todo:
        element = todo.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen:
            continue
        seen.add(element.objgen)
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                todo.append(kid)
    return seen


def _margin_boxes_as_artifacts(pdf) -> None:
    """Marked content that no structure element reaches becomes an artifact."""
    import pikepdf

    tree = pdf.Root.StructTreeRoot
    reachable = _reachable(tree)
    nums = tree.ParentTree.Nums
    owners_by_key = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for page in pdf.pages:
        owners = owners_by_key.get(int(page.get("/StructParents", -1)))
        if not isinstance(owners, pikepdf.Array):
            continue
        orphans = {
            mcid
            for mcid, owner in enumerate(owners)
            if isinstance(owner, pikepdf.Dictionary) and owner.objgen not in reachable
        }
        if not orphans:
            continue
        operations = []
        for operands, operator in pikepdf.parse_content_stream(page):
            if (
                str(operator) == "BDC"
                and isinstance(operands[1], pikepdf.Dictionary)
                and int(operands[1].get("/MCID", -1)) in orphans
            ):
                operands = [
                    pikepdf.Name.Artifact,
                    pikepdf.Dictionary(Type=pikepdf.Name.Pagination),
                ]
            operations.append((operands, operator))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))
        for mcid in orphans:
            owners[mcid] = None


def section_lengths(document) -> list[tuple[str, float]]:
    """(title, length in pages) of each top-level section, from the bookmarks."""
    tree = document.make_bookmark_tree()
    top = tree[0][2] if len(tree) == 1 else tree  # sections sit under the one h1
    height = document.pages[0].height if document.pages else 1
    starts = [(label, page + y / height) for label, (page, _x, y), *_ in top]
    if not starts:
        return []
    ends = [start for _, start in starts[1:]]  # the last section's end is not known
    return [(label, end - start) for (label, start), end in zip(starts, ends, strict=False)]


def quiet_weasyprint() -> None:
    """Keep WeasyPrint's progress and CSS notes out of the user's terminal."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def page_count(path: Path) -> int:
    """Pages in an existing PDF file."""
    from pypdf import PdfReader

    return len(PdfReader(path).pages)
