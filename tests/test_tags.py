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
from itertools import pairwise
from pathlib import Path

import pikepdf
import pytest

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


@pytest.mark.default_content  # its Malay edition of the brief
def test_links_of_the_malay_edition_say_where_they_go_in_malay(built):
    """The words come from the catalog of the edition's language (fuzzy
    entries, like every label): 'Rujukan: …', 'Bahagian …, halaman N'."""
    path = built / "policy-brief.ms.pdf"
    with pikepdf.open(path) as pdf:
        said = [str(a.get("/Contents", "")) for a in links(pdf) if "/Dest" in a]
    assert said and all(not s.startswith(("Reference", "Section", "Page")) for s in said)
    assert any(s.startswith("Rujukan: ") for s in said)


# ------------------------------------------- text as a reader gets it, in order


class MarkedText:
    """The text of the marked content of a PDF's pages, by page and MCID, as a
    reader gets it: each span's /ActualText in place of its glyphs, artifacts
    apart (in `artifacts`, by page)."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}
        self._pages: dict[int, dict[int, str]] = {}
        self._artifacts: dict[int, list[str]] = {}
        self._cmaps: dict[tuple[int, int], dict[bytes, bytes]] = {}

    def of(self, page, mcid: int) -> str:
        return self.page(self.page_index[page.objgen]).get(mcid, "")

    def artifacts(self, index: int) -> list[str]:
        self.page(index)
        return self._artifacts[index]

    def page(self, index: int) -> dict[int, str]:
        if index not in self._pages:
            self._pages[index], self._artifacts[index] = self._read(self.pdf.pages[index])
        return self._pages[index]

    def _decode(self, font, raw: bytes) -> str:
        from test_pdfua import parse_tounicode

        if font.objgen not in self._cmaps:
            tounicode = font.get("/ToUnicode")
            self._cmaps[font.objgen] = parse_tounicode(tounicode.read_bytes()) if tounicode else {}
        mapping, size = self._cmaps[font.objgen], 2 if font.get("/Subtype") == "/Type0" else 1
        codes = (raw[i : i + size] for i in range(0, len(raw), size))
        return "".join(mapping.get(code, b"").decode("utf-16-be", "replace") for code in codes)

    def _read(self, page) -> tuple[dict[int, str], list[str]]:
        texts: dict[int, str] = {}
        artifacts: list[str] = []
        stack: list[list] = []  # [tag, mcid, actual text, parts]

        def walk(owner, resources):
            fonts = resources.get("/Font", {}) if resources is not None else {}
            font, saved = None, []
            for operands, operator in pikepdf.parse_content_stream(owner):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    properties = operands[1] if op == "BDC" else None
                    if isinstance(properties, pikepdf.Name):
                        properties = resources.Properties[properties]
                    properties = properties if isinstance(properties, pikepdf.Dictionary) else {}
                    mcid = int(properties["/MCID"]) if "/MCID" in properties else None
                    actual = properties.get("/ActualText")
                    stack.append([str(operands[0]), mcid, actual, []])
                elif op == "EMC":
                    tag, mcid, actual, parts = stack.pop()
                    text = str(actual) if actual is not None else "".join(parts)
                    if tag == "/Artifact":
                        artifacts.append(text)
                    elif mcid is not None:
                        texts[mcid] = texts.get(mcid, "") + text
                    elif stack:
                        stack[-1][3].append(text)
                elif op == "q":
                    saved.append(font)
                elif op == "Q" and saved:
                    font = saved.pop()
                elif op == "Tf":
                    font = fonts[operands[0]]
                elif op in ("Tj", "'", '"', "TJ") and stack:
                    strings = operands[0] if op == "TJ" else [operands[-1]]
                    raw = b"".join(bytes(s) for s in strings if isinstance(s, pikepdf.String))
                    stack[-1][3].append(self._decode(font, raw))
                elif op == "Do":
                    xobject = resources.XObject[operands[0]]
                    if xobject.get("/Subtype") == "/Form":
                        walk(xobject, xobject.get("/Resources", resources))

        walk(page, page.get("/Resources"))
        return texts, artifacts


INLINE = {"/Span", "/Link", "/NonStruct", "/Quote", "/Em", "/Strong", "/Code", "/Reference"}


def runs(pdf: pikepdf.Pdf, marked: MarkedText | None = None, node=None) -> list[tuple]:
    """(block, text) of each marked-content sequence under node (the whole
    tree by default) in structure order; block is the nearest enclosing element
    that is not inline, as objgen. A figure with /Alt is its /Alt, one run."""
    marked = marked or MarkedText(pdf)
    found = []

    def walk(item, page, block):
        if isinstance(item, pikepdf.Dictionary):
            if item.get("/Type") == "/OBJR":
                return
            if item.get("/Type") == "/MCR":
                found.append((block, marked.of(item.get("/Pg", page), int(item.MCID))))
                return
            if item.get("/S") not in INLINE:
                block = item.objgen
            if "/Alt" in item:
                found.append((item.objgen, str(item.Alt)))
                return
            for kid in kids(item):
                walk(kid, item.get("/Pg", page), block)
        elif item is not None:
            found.append((block, marked.of(page, int(item))))

    start = pdf.Root.StructTreeRoot if node is None else node
    walk(start, start.get("/Pg"), start.objgen)
    return found


def text_under(pdf: pikepdf.Pdf, element, marked: MarkedText) -> str:
    """The text of element as a reader gets it, the runs joined as they are."""
    return "".join(text for _block, text in runs(pdf, marked, element))


# ----------------------------------------------------- 4. table of contents


def toc_entries(path: Path) -> list[tuple[str, str]]:
    """(target id, text) of each entry of the HTML's nav.toc, in order."""
    for nav in html_root(path).iter("nav"):
        if "toc" in (nav.get("class") or "").split():
            return [
                (a.get("href")[1:], folded("".join(a.itertext())))
                for a in nav.iter("a")
                if (a.get("href") or "").startswith("#")
            ]
    return []


def first_link_target(element) -> str | None:
    for item, _ancestors in descendants(element):
        for kid in kids(item):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                return str(kid.Obj.get("/Dest"))
    return None


def test_table_of_contents_reads_entry_and_page_without_leader_dots(built):
    """Read in structure order, the contents list says each entry, a space,
    its page number and a space before the next: "Key messages 3 1 The open
    space 3", not "Key messages. . . . 31 The open space". The dot leaders are
    still drawn, as layout artifacts."""
    checked = 0
    for path in pdfs(built):
        entries = toc_entries(path)
        if not entries:
            continue
        with pikepdf.open(path) as pdf:
            marked, pages = MarkedText(pdf), page_numbers(pdf)
            items = [element for element, _ in elements(pdf) if element.get("/S") == "/LI"]
            start = next(
                (i for i, item in enumerate(items) if first_link_target(item) == entries[0][0]),
                None,
            )
            assert start is not None, f"{path.name}: no list item links to #{entries[0][0]}"
            listed = items[start : start + len(entries)]
            assert [first_link_target(item) for item in listed] == [e[0] for e in entries]
            said = "".join(text_under(pdf, item, marked) for item in listed)
            assert said.endswith(" ") or said.endswith("\u00a0"), f"{path.name}: {said[-20:]!r}"
            expected = " ".join(f"{text} {pages[target]}" for target, text in entries)
            assert folded(said) == expected, f"{path.name}: the contents read {folded(said)!r}"
            toc_pages = {marked.page_index[item.Pg.objgen] for item in listed if "/Pg" in item}
            dots = "".join("".join(marked.artifacts(index)) for index in toc_pages)
            assert dots.count(".") >= 3 * len(entries), f"{path.name}: leaders not drawn"
            checked += 1
    assert checked, "no table of contents in any PDF: the test checked nothing"


def test_every_link_annotation_is_held_by_the_element_its_parent_tree_entry_names(built):
    """The parent tree maps each annotation's /StructParent to the /Link element
    whose /OBJR holds it (a leader's annotation joins its entry's link)."""
    for path in pdfs(built):
        with pikepdf.open(path) as pdf:
            nums = pdf.Root.StructTreeRoot.ParentTree.Nums
            owners = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
            for annotation in links(pdf):
                owner = owners[int(annotation.StructParent)]
                assert owner.get("/S") == "/Link", f"{path.name}: held by {owner.get('/S')}"
                held = [k for k in kids(owner) if isinstance(k, pikepdf.Dictionary)]
                assert any(
                    k.get("/Type") == "/OBJR" and k.Obj.objgen == annotation.objgen for k in held
                ), f"{path.name}: {annotation.get('/Contents')!r} is not in its /Link"


# --------------------------------------------- 5. words apart at line ends


def test_words_at_line_ends_stay_apart_in_structure_order(built):
    """Where a line ends inside a paragraph, list item, table cell or note and
    the HTML has a space (or a line break) between the last word of the line
    and the first of the next, the text read in structure order has one too:
    "one social", never "onesocial"."""
    from conftest import html_text, normalise

    glued, apart = [], 0
    for path in pdfs(built):
        html = html_text(path.with_suffix(".html")).casefold()
        with pikepdf.open(path) as pdf:
            found = runs(pdf)
        for (block, before), (same, after) in pairwise(found):
            if block != same or not before.strip() or not after.strip():
                continue
            last, first = normalise(before).split()[-1], normalise(after).split()[0]
            if before[-1].isspace() or after[0].isspace():
                apart += 1
                continue
            pair = f"{last} {first}".casefold()
            if pair in html and f"{last}{first}".casefold() not in html:
                glued.append(f"{path.name}: {before[-30:]!r} + {after[:30]!r}")
    assert not glued, "words run together in structure order:\n" + "\n".join(glued)
    assert apart > 100, f"only {apart} line ends with a space: the test read too little"


# ------------------------------------------------------ 6. lists of things


def squeezed(text: str) -> str:
    """text without its whitespace, casefolded: how two readings are compared
    when one has a space where the other has a block boundary."""
    from conftest import normalise

    return "".join(normalise(text).split()).casefold()


def items_of(path: Path, css_class: str) -> list[str]:
    """The squeezed text of each HTML element of css_class."""
    found = []
    for element in html_root(path).iter():
        if css_class in (element.get("class") or "").split():
            found.append(squeezed("".join(element.itertext())))
    return found


def list_bodies(pdf: pikepdf.Pdf) -> list[str]:
    """The squeezed text of each /LBody of an /LI of an /L, in order."""
    marked, found = MarkedText(pdf), []
    for element, ancestors in elements(pdf):
        if element.get("/S") == "/LBody" and [a.get("/S") for a in ancestors[-2:]] == ["/L", "/LI"]:
            found.append(squeezed(text_under(pdf, element, marked)))
    return found


def assert_listed(built: Path, css_class: str) -> None:
    """Each HTML element of css_class is read as one list item's body (or
    two, one each side of a page break)."""
    checked = 0
    for path in pdfs(built):
        wanted = items_of(path, css_class)
        if not wanted:
            continue
        with pikepdf.open(path) as pdf:
            bodies = list_bodies(pdf)
        split = {a + b for a, b in pairwise(bodies)}
        missing = [item[:40] for item in wanted if item not in bodies and item not in split]
        assert not missing, f"{path.name}: .{css_class} not read as list items: {missing}"
        checked += len(wanted)
    assert checked, f"no .{css_class} in any document: the test checked nothing"


def test_references_are_read_as_a_list_of_items(built):
    """The bibliography (citeproc's div role="list" of div.csl-entry
    role="listitem") is an /L whose /LI each hold one entry's /LBody."""
    assert_listed(built, "csl-entry")


def test_recommendations_are_read_as_a_list_of_items(built):
    """The recommendations (an <ol> of <li class="recommendation">) are an /L
    whose /LI each hold one recommendation's /LBody."""
    assert_listed(built, "recommendation")


# ----------------------------------------------------------------- 7. captions


def html_captions(path: Path) -> tuple[list[str], list[str]]:
    """(the squeezed text of each table's <caption>, of each <figcaption>)."""
    tables, figures = [], []
    for element in html_root(path).iter():
        if element.tag == "caption":
            tables.append(squeezed("".join(element.itertext())))
        elif element.tag == "figcaption":
            figures.append(squeezed("".join(element.itertext())))
    return tables, figures


def test_captions_belong_to_their_table_or_figure_and_are_read(built):
    """A table's caption is the first or last kid of its /Table. A figure's
    caption is a kid of the figure's own grouping element (a /Div, not a
    /NonStruct, whose kids count as its parent's), next to what it captions:
    not inside a /Figure, whose /Alt a reader speaks instead of its kids."""
    checked = 0
    for path in pdfs(built):
        tables, figures = html_captions(path)
        if not tables and not figures:
            continue
        with pikepdf.open(path) as pdf:
            marked = MarkedText(pdf)
            captions = {}
            for element, ancestors in elements(pdf):
                if element.get("/S") == "/Caption":
                    captions[squeezed(text_under(pdf, element, marked))] = (element, ancestors)
            printed = squeezed(text_under(pdf, pdf.Root.StructTreeRoot, marked))
            tables = [text for text in tables if text in captions or text in printed]
            figures = [text for text in figures if text in captions or text in printed]
            for text in tables:  # those the print edition shows
                assert text in captions, f"{path.name}: table caption {text[:30]!r} not tagged"
                element, ancestors = captions[text]
                table = ancestors[-1] if ancestors else None
                assert table is not None and table.get("/S") == "/Table", path.name
                ends = [kids(table)[0].objgen, kids(table)[-1].objgen]
                assert element.objgen in ends, f"{path.name}: {text[:30]!r} inside its table"
                checked += 1
            for text in figures:
                assert text in captions, f"{path.name}: figure caption {text[:30]!r} not tagged"
                element, ancestors = captions[text]
                assert not [a for a in ancestors if "/Alt" in a or "/ActualText" in a], path.name
                group = ancestors[-1] if ancestors else None
                assert group is not None and group.get("/S") == "/Div", (
                    f"{path.name}: {text[:30]!r} is in a {group and group.get('/S')}, no group"
                )
                captioned = {e.get("/S") for e, _ in descendants(group)} - {"/Caption"}
                assert captioned & {"/Figure", "/BlockQuote", "/Table", "/L"}, path.name
                checked += 1
    assert checked, "no caption in any document: the test checked nothing"


# ------------------------------------------------ 8. document information


def meta(path: Path) -> dict[str, str]:
    """The HTML's <meta name content> pairs."""
    return {
        element.get("name"): element.get("content", "")
        for element in html_root(path).iter("meta")
        if element.get("name")
    }


def test_author_is_the_html_author_and_nothing_more(built):
    """/Author and XMP dc:creator are the HTML's <meta name="author">, as
    written: no honorific or role is added on the way (the content model keeps
    honorifics apart from the name)."""
    for path in pdfs(built):
        author = meta(path)["author"]
        with pikepdf.open(path) as pdf:
            assert str(pdf.docinfo["/Author"]) == author, path.name
            assert pdf.open_metadata()["dc:creator"] == [author], path.name


def pdf_date(w3c: str) -> str:
    """A W3C date (2021, 2021-05, 2021-05-19) as a PDF date at its precision."""
    assert re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", w3c), w3c
    return "D:" + w3c.replace("-", "")


def test_dates_are_the_html_dates_at_the_precision_the_content_gives(built):
    """/CreationDate and /ModDate, xmp:CreateDate and xmp:ModifyDate say the
    <meta name="dcterms.created"> and "dcterms.modified" dates, no more precise
    (a year is not 1 January of it) and no less (a day stays a day)."""
    for path in pdfs(built):
        dates = meta(path)
        created, modified = dates["dcterms.created"], dates["dcterms.modified"]
        with pikepdf.open(path) as pdf:
            assert str(pdf.docinfo["/CreationDate"]) == pdf_date(created), path.name
            assert str(pdf.docinfo["/ModDate"]) == pdf_date(modified), path.name
            xmp = pdf.open_metadata()
            assert (xmp["xmp:CreateDate"], xmp["xmp:ModifyDate"]) == (created, modified)


def test_a_full_date_in_the_content_is_a_full_date_in_the_pdf(make_project):
    from advocacy.build import build
    from advocacy.config import Paths
    from conftest import MINIMAL

    brief = MINIMAL["content/documents/brief.yaml"].replace("date: 2024-03", "date: 2021-05-19")
    project = make_project({"content/documents/brief.yaml": brief})
    build(Paths.at(project))
    with pikepdf.open(project / "build" / "brief.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]) == "D:20210519"
        assert str(pdf.docinfo["/ModDate"]) == "D:20210519"
        xmp = pdf.open_metadata()
        assert (xmp["xmp:CreateDate"], xmp["xmp:ModifyDate"]) == ("2021-05-19", "2021-05-19")
