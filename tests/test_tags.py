"""What the tags of every PDF say to a reader, read from the PDF itself: the
catalogue's page mode, the structure tree's /IDTree, the words of each link,
the table of contents, the text in structure order, lists and captions, and
the document information.

Text is read here as assistive technology reads a tagged PDF: the marked
content of each structure element, in the order of the structure tree, with
each span's /ActualText in place of its glyphs and artifacts left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pikepdf

from conftest import DOCUMENTS


def pdfs(built: Path) -> list[Path]:
    """Every PDF the build wrote: each document and each of its editions."""
    found = sorted(built.glob("*.pdf"))
    assert len(found) >= len(DOCUMENTS), f"only {[p.name for p in found]} in {built}"
    return found


def kids(element) -> list:
    found = element.get("/K")
    return list(found) if isinstance(found, pikepdf.Array) else [] if found is None else [found]


def descendants(node) -> Iterator[tuple[pikepdf.Dictionary, list[pikepdf.Dictionary]]]:
    """(element, its ancestors below node, outermost first) for every structure
    element under node, in document order."""

    def walk(parent, ancestors):
        for kid in kids(parent):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid, ancestors
                yield from walk(kid, [*ancestors, kid])

    yield from walk(node, [])


def elements(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Dictionary, list[pikepdf.Dictionary]]]:
    return descendants(pdf.Root.StructTreeRoot)


def attributes(element) -> list[pikepdf.Dictionary]:
    """The attribute dictionaries of element's /A (one, or an array with revisions)."""
    found = element.get("/A")
    if isinstance(found, pikepdf.Dictionary):
        return [found]
    if isinstance(found, pikepdf.Array):
        return [item for item in found if isinstance(item, pikepdf.Dictionary)]
    return []


def name_tree(node, seen=None) -> list[tuple[str, pikepdf.Object]]:
    """The (key, value) pairs of a name tree, in the order the tree stores them."""
    seen = set() if seen is None else seen
    if node.objgen in seen and node.objgen != (0, 0):
        return []
    seen.add(node.objgen)
    pairs = []
    names = node.get("/Names")
    if isinstance(names, pikepdf.Array):
        pairs += [(str(names[i]), names[i + 1]) for i in range(0, len(names) - 1, 2)]
    for kid in node.get("/Kids", []):
        pairs += name_tree(kid, seen)
    return pairs


# ------------------------------------------------------------ 1. page mode


def test_bookmarks_are_shown_when_the_document_opens(built):
    for path in pdfs(built):
        with pikepdf.open(path) as pdf:
            outlines = pdf.Root.get("/Outlines")
            assert isinstance(outlines, pikepdf.Dictionary) and "/First" in outlines, path.name
            assert pdf.Root.get("/PageMode") == "/UseOutlines", f"{path.name}: no /UseOutlines"


# ------------------------------------------------------------- 2. the IDTree


def test_every_id_and_every_headers_entry_resolves_through_the_idtree(built):
    """Each element's /ID, and each ID a data cell's /Headers names, is a key
    of the structure tree root's /IDTree whose value is that very element (a
    header cell of the same table, for /Headers)."""
    checked = 0
    for path in pdfs(built):
        with pikepdf.open(path) as pdf:
            identified, headers = {}, []
            for element, ancestors in elements(pdf):
                if "/ID" in element:
                    key = str(element.ID)
                    assert key not in identified, f"{path.name}: /ID {key} on two elements"
                    identified[key] = element
                tables = [a for a in ancestors if a.get("/S") == "/Table"]
                for attribute in attributes(element):
                    for key in attribute.get("/Headers", []):
                        headers.append((str(key), tables[-1] if tables else None))
            if not identified and not headers:
                continue
            tree = pdf.Root.StructTreeRoot.get("/IDTree")
            assert isinstance(tree, pikepdf.Dictionary), f"{path.name}: IDs but no /IDTree"
            pairs = name_tree(tree)
            keys = [key for key, _ in pairs]
            assert keys == sorted(keys, key=lambda k: k.encode()), f"{path.name}: keys unsorted"
            resolved = dict(pairs)
            for key, element in identified.items():
                assert key in resolved, f"{path.name}: /ID {key} is not in the /IDTree"
                assert resolved[key].objgen == element.objgen, f"{path.name}: {key} -> another"
            for key, table in headers:
                assert key in resolved, f"{path.name}: /Headers {key} does not resolve"
                header = resolved[key]
                assert header.get("/S") == "/TH", f"{path.name}: /Headers {key} is {header.S}"
                within = {e.objgen for e, _ in descendants(table)} if table else set()
                assert header.objgen in within, f"{path.name}: {key} is in another table"
                checked += 1
    assert checked, "no /Headers entry in any PDF: the test checked nothing"


# --------------------------------------------------------- 3. links in words


def html_root(path: Path):
    """The HTML a PDF was drawn from, parsed as WeasyPrint parses it."""
    import tinyhtml5

    text = path.with_suffix(".html").read_text(encoding="utf-8")
    return tinyhtml5.parse(text, namespace_html_elements=False)


def folded(text: str) -> str:
    return " ".join(text.replace("\u200b", "").split())


def page_numbers(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Each named destination's page number, from 1."""
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
    tree = pdf.Root.get("/Names", {}).get("/Dests")
    found = {}
    for name, target in name_tree(tree) if tree is not None else []:
        target = target.get("/D") if isinstance(target, pikepdf.Dictionary) else target
        found[name] = pages[target[0].objgen]
    return found


def links(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    for page in pdf.pages:
        for annotation in page.get("/Annots", []):
            if annotation.get("/Subtype") == "/Link":
                yield annotation


ID_LIKE = re.compile(r"^#|\bref-[\w-]+|^[a-z0-9]+(?:-[a-z0-9]+)+$")


def test_links_say_where_they_go_in_words_never_by_an_id(built):
    """A link's /Contents (what a screen reader says of it) is never an id: a
    link to a reference names the entry's start (its author), one to a section
    its heading and page number, an external one its URL."""
    internal = 0
    for path in pdfs(built):
        root = html_root(path)
        english = (root.get("lang") or "en").split("-")[0] == "en"
        ids = {element.get("id"): element for element in root.iter() if element.get("id")}
        with pikepdf.open(path) as pdf:
            pages = page_numbers(pdf)
            for annotation in links(pdf):
                said = str(annotation.get("/Contents", ""))
                action = annotation.get("/A", {})
                if action.get("/S") == "/URI":
                    assert said == str(action.URI), f"{path.name}: {said!r} for {action.URI}"
                    continue
                target = str(annotation.Dest)
                where = f"{path.name}: link to #{target} says {said!r}"
                assert said and said != target and said not in ids, where
                assert not ID_LIKE.search(said), where
                element = ids[target]
                if "csl-entry" in (element.get("class") or "").split():
                    author = folded("".join(element.itertext())).split()[0].rstrip(",.")
                    assert author in said, where
                    assert said.startswith("Reference: ") or not english, where
                else:
                    headings = [e for e in element.iter() if re.fullmatch(r"h[1-6]", e.tag)]
                    heading = folded("".join(headings[0].itertext())) if headings else ""
                    title = re.sub(r"^\d+(\.\d+)*\.?\s+", "", heading)
                    assert title and title in said, where
                    assert said.startswith("Section") or not english, where
                    assert re.search(rf"\b{pages[target]}$", said), where
                internal += 1
    assert internal, "no internal link in any PDF: the test checked nothing"
