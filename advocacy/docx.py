"""Word files: a document as DOCX, for co-editing with those who answer in Word.

The page a build renders, with every prose field marked (render.FieldMark),
goes through four steps:

1. `word_html`: the HTML tree made into what pandoc's HTML reader keeps:
   containers become divs that say their role in a class, paragraphs with a
   class are wrapped in one, inline charts become image files with their
   alternative text, and what only a screen or only print needs is dropped;
2. pandoc reads it into its JSON, which `word_blocks` adjusts: each class
   gets its Word style (STYLES), footnote spans become Word footnotes,
   headings start at Heading 1, and every field mark is a bookmark;
3. pandoc writes the DOCX with a reference document carrying the house
   styles from the design tokens (wordstyles.py);
4. `finish`: every run gets the document's language, the package's dates
   and properties are set from the document, and the zip is written with
   fixed timestamps, so the same content gives the same bytes.

The bookmarks (adv_...) are what `advocacy import-docx` reads back
(wordimport.py): Word keeps a bookmark around text edited inside it.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from advocacy.bibliography import call_pandoc
from advocacy.errors import AdvocacyError, Problem
from advocacy.ooxml import RPR, put

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PROPERTY = "advocacy-document"  # the custom property naming the edition a file is from

# class in the HTML -> the Word paragraph style of what it holds; of an
# element's classes, the one listed first here wins (key-messages over box).
STYLES = {
    # the cover's band (word_html names its lines): on the primary colour, as in print
    "band-mark": "Cover Wordmark",
    "band-status": "Cover Band Status",
    "band-line": "Cover Band",
    "plate-mark": "Cover Meta",
    "kicker": "Kicker",
    "title": "Title",
    "subtitle": "Subtitle",
    "date": "Date",  # before byline: the date is "byline date"
    "byline": "Author",
    "status": "Status",
    "key-messages": "Key Messages",
    "cover-messages": "Key Messages",
    "main-ask": "Key Messages",
    "box": "Box",
    "recommendation": "Recommendation",
    "imprint": "Imprint",
    "how-to-cite": "Imprint",
    "references": "Bibliography",
    "csl-bib-body": "Bibliography",
    "back-cover": "Imprint",
    "back-page": "Imprint",
    "foot": "Cover Meta",
    "identity": "Cover Meta",
    "series": "Cover Meta",
    "source": "Source",
    "to": "Addressed To",
    "rec-label": "Kicker",
    "partners-label": "Kicker",
    "partner-line": "Partners",
}
# a new page after these, as in print: a full cover, the front matter (imprint)
PAGE_AFTER = ({"cover", "full"}, {"front"})
CONTAINERS = {"header", "footer", "aside", "main", "nav", "section", "article"}
DROPPED = ("skip-link", "running", "toc", "notes-list")


def word_html(html: str, images: Path, resolve) -> str:
    """The page as pandoc's HTML reader keeps it; inline SVGs written to images.

    resolve(src) is the file an <img> names, or None when it is not one of
    the project's assets: such an image is left out, its alternative text kept.
    """
    root = lxml_html.document_fromstring(html)
    for element in root.xpath("//style | //script | //link | //head/meta"):
        element.drop_tree()
    for name in DROPPED:
        for element in root.xpath(f"//*[contains(concat(' ', @class, ' '), ' {name} ')]"):
            element.drop_tree()
    cover = root.xpath("//header[contains(@class, 'cover')]//h1")
    for h1 in cover:
        _wrapped(h1, "title", tag="p")
    on_band = _cover_band(root)
    for count, img in enumerate(root.xpath("//img"), 1):
        banded = getattr(resolve, "on_band", resolve) if img in on_band else resolve
        path = banded(img.get("src", ""))
        if path is None:
            alt = lxml_html.Element("span")
            alt.text, alt.tail = img.get("alt", ""), img.tail
            img.addprevious(alt)
            img.getparent().remove(img)
            continue
        copy = images / f"asset-{count}{path.suffix.lower()}"
        copy.write_bytes(path.read_bytes())
        img.set("src", copy.name)
    for count, svg in enumerate(root.xpath("//*[local-name()='svg']"), 1):
        _svg_as_image(svg, images / f"figure-{count}.svg")
    for tag in root.xpath("//span[contains(concat(' ', @class, ' '), ' tag ')]"):
        following = tag.getnext()
        if following is not None and "tag" in following.get("class", "").split():
            tag.tail = ", " + (tag.tail or "")  # the CSS draws them apart; Word needs words
    for listed in root.xpath("//*[contains(concat(' ', @class, ' '), ' partners ')]/ul"):
        _partners_in_a_line(listed)
    for listed in root.xpath("//ol[contains(@class, 'recommendations')]"):
        listed.tag = "div"  # each is numbered in its own label: no list numbers as well
        for item in listed.xpath("./li"):
            item.tag = "div"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in CONTAINERS:
            element.set("class", f"{element.tag} {element.get('class', '')}".strip())
            element.tag = "div"
        elif element.tag == "p" and element.get("class"):
            _wrapped(element, element.get("class"))
    return lxml_html.tostring(root, encoding="unicode")


def _partners_in_a_line(listed) -> None:
    """A group's partners in one paragraph, as print sets them side by side:
    their names apart by a middle dot, their logos by a space; not a bulleted list."""
    line = lxml_html.Element("p", {"class": "partner-line"})

    def write(text: str) -> None:  # at the end of the line so far
        if len(line):
            line[-1].tail = (line[-1].tail or "") + text
        else:
            line.text = (line.text or "") + text

    previous = None
    for item in listed.xpath("./li"):
        logo = len(item) > 0 and item[0].tag == "img" and not (item.text or "").strip()
        if previous is not None:
            write("  " if logo or previous else " · ")
        write(item.text or "")
        for child in list(item):
            line.append(child)
        previous = logo
    listed.addprevious(line)
    listed.getparent().remove(listed)


def _cover_band(root) -> set:
    """The cover's band as Word paragraphs on the band of the title: the
    wordmark or logo (band-mark), the series, number and date (band-line), the
    status (band-status). The images in it, which are drawn on the band's colour."""
    images = set()
    for band in root.xpath(
        "//header[contains(concat(' ', @class, ' '), ' cover ')]"
        "//*[contains(concat(' ', @class, ' '), ' band ')]"
    ):
        images.update(band.iter("img"))
        for line in band.xpath(".//p"):
            classes = line.get("class", "").split()
            line.set("class", "band-status" if "status" in classes else "band-line")
        for child in list(band):
            if child.tag in ("span", "img", "a"):  # the wordmark, or the logo
                # a logo with no version for dark bands sits on a white plate in
                # print: here, on the white page above the band
                plated = "logo-plate" in child.get("class", "").split()
                mark = "plate-mark" if plated else "band-mark"
                paragraph = lxml_html.Element("p", {"class": mark})
                if plated:
                    band.addprevious(paragraph)
                    images.difference_update(child.iter("img"))
                else:
                    child.addprevious(paragraph)
                paragraph.append(child)
    return images


def _wrapped(element, classes: str, tag: str | None = None) -> None:
    """Put element in a div of classes (pandoc keeps a div's class, not a p's)."""
    box = lxml_html.Element("div", {"class": classes})
    element.addprevious(box)
    box.append(element)
    element.attrib.pop("class", None)
    if tag:
        element.tag = tag


# An HTML parser lowercases names; SVG's own are these (the HTML standard's
# "adjust SVG attributes" and element names, as far as charts and logos use them).
SVG_NAMES = {
    name.lower(): name
    for name in [
        "viewBox",
        "preserveAspectRatio",
        "gradientUnits",
        "gradientTransform",
        "patternUnits",
        "patternContentUnits",
        "patternTransform",
        "clipPathUnits",
        "maskUnits",
        "maskContentUnits",
        "markerHeight",
        "markerWidth",
        "markerUnits",
        "refX",
        "refY",
        "textLength",
        "lengthAdjust",
        "startOffset",
        "spreadMethod",
        "stdDeviation",
        "pathLength",
        "primitiveUnits",
        "baseFrequency",
        "numOctaves",
        "clipPath",
        "linearGradient",
        "radialGradient",
        "textPath",
        "foreignObject",
        "feGaussianBlur",
        "feOffset",
        "feBlend",
        "feColorMatrix",
        "feComposite",
        "feFlood",
        "feMerge",
        "feMergeNode",
    ]
}


def _svg_bytes(svg) -> bytes:
    """An SVG element of an HTML tree as an SVG file, its names' case restored."""
    copy = etree.fromstring(etree.tostring(svg))
    for element in copy.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        element.tag = f"{{http://www.w3.org/2000/svg}}{SVG_NAMES.get(local, local)}"
        for name in [n for n in element.attrib if n in SVG_NAMES]:
            element.set(SVG_NAMES[name], element.attrib.pop(name))
    return etree.tostring(copy, xml_declaration=True, encoding="UTF-8")


def _svg_as_image(svg, path: Path) -> None:
    label = svg.get("aria-label") or " ".join(svg.xpath(".//*[local-name()='title']/text()"))
    figure = svg.getparent()
    while figure is not None and figure.tag != "figure":
        figure = figure.getparent()
    if not label and figure is not None:
        label = " ".join(figure.xpath(".//figcaption//text()")).strip()
    path.write_bytes(_svg_bytes(svg))
    # a name, not a path: pandoc 3.9 gives an SVG named by an absolute path no PNG
    img = lxml_html.Element("img", {"src": path.name, "alt": " ".join(label.split())})
    svg.addprevious(img)
    img.tail = svg.tail
    svg.getparent().remove(svg)


# ------------------------------------------------------------------ pandoc's JSON


def word_blocks(document: dict) -> dict:
    """pandoc's JSON of the page, made Word-shaped (see the module's text)."""
    blocks = document["blocks"]
    levels = [b["c"][0] for b in _walk(blocks) if b.get("t") == "Header"]
    shift = 1 - min(levels) if levels else 0
    seen: dict[str, int] = {}
    for node in _walk(blocks):
        kind = node.get("t")
        if kind == "Header":
            node["c"][0] = max(1, node["c"][0] + shift)
        if kind in ("Div", "Span"):
            _style(node, seen)
    document["blocks"] = _page_breaks(_notes(blocks))
    return document


PAGE_BREAK = {
    "t": "RawBlock",
    "c": ["openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'],
}


def _page_breaks(blocks: list) -> list:
    """blocks with a new page after the cover and the front matter."""
    out = []
    for block in blocks:
        if block.get("t") == "Div":
            block["c"][1] = _page_breaks(block["c"][1])
            out.append(block)
            if any(classes <= set(block["c"][0][1]) for classes in PAGE_AFTER):
                out.append(PAGE_BREAK)
        else:
            out.append(block)
    return out


def _walk(value):
    """Every pandoc element (a dict with 't') in value, depth first."""
    if isinstance(value, dict):
        if "t" in value:
            yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _style(node: dict, seen: dict[str, int]) -> None:
    """A Div or Span: its Word style from its classes; a field mark's id made unique."""
    identifier, classes, attributes = node["c"][0]
    if identifier.startswith("adv_"):
        seen[identifier] = seen.get(identifier, 0) + 1
        if seen[identifier] > 1:
            node["c"][0][0] = f"{identifier}_{seen[identifier]}"
    if node["t"] == "Span":
        return
    style = next((style for name, style in STYLES.items() if name in classes), None)
    if style and not any(k == "custom-style" for k, _ in attributes):
        attributes.append(["custom-style", style])
        _loosened(node["c"][1])


def _loosened(blocks: list) -> None:
    """The items of the lists in blocks as paragraphs (Para), not tight lines
    (Plain): pandoc gives tight items its Compact style, and the items of a
    styled block (the key messages) should take the block's style."""
    for node in _walk(blocks):
        if node.get("t") in ("BulletList", "OrderedList"):
            items = node["c"] if node["t"] == "BulletList" else node["c"][1]
            for item in items:
                for block in item:
                    if block.get("t") == "Plain":
                        block["t"] = "Para"


def _notes(value):
    """value with each footnote span (class note) made a Word footnote."""
    if isinstance(value, list):
        return [_notes(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("t") == "Span" and "note" in value["c"][0][1]:
        text = next(
            (
                i["c"][1]
                for i in value["c"][1]
                if i.get("t") == "Span" and "footnote" in i["c"][0][1]
            ),
            [],
        )
        return {"t": "Note", "c": [{"t": "Para", "c": _notes(text)}]}
    return {key: _notes(item) for key, item in value.items()}


# ---------------------------------------------------------------------- the file


def write_docx(
    html: str,
    target: Path,
    reference: bytes,
    resolve,
    properties: dict[str, str],
    language: str,
    epoch: int,
    faces_of,
) -> None:
    """Write html, a rendered page with field marks, as the Word file target.

    reference is the reference document (wordstyles.reference_docx);
    properties the document's title, subject, keywords, creator and
    PROPERTY; language its BCP 47 tag; epoch the time it carries;
    faces_of(tag) the faces of text in language tag, by Word's slot
    (wordstyles.faces).
    """
    with tempfile.TemporaryDirectory(prefix="advocacy-docx-") as folder:
        scratch = Path(folder)
        (scratch / "reference.docx").write_bytes(reference)
        page = word_html(html, scratch, resolve)
        read = _pandoc(["--from=html", "--to=json"], page, scratch)
        blocks = word_blocks(json.loads(read))
        blocks["meta"] = {PROPERTY: {"t": "MetaString", "c": properties[PROPERTY]}}
        _pandoc(
            [
                "--from=json",
                "--to=docx",
                f"--reference-doc={scratch / 'reference.docx'}",
                f"--resource-path={scratch}",
                f"--output={scratch / 'out.docx'}",
            ],
            json.dumps(blocks),
            scratch,
            epoch,
        )
        data = finish((scratch / "out.docx").read_bytes(), properties, language, epoch, faces_of)
    target.write_bytes(data)


def _pandoc(args: list[str], stdin: str, folder: Path, epoch: int | None = None) -> str:
    env = None if epoch is None else {"SOURCE_DATE_EPOCH": str(epoch)}
    done = call_pandoc(args, stdin, folder, env)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no reason given"
        raise AdvocacyError([Problem("pandoc", 0, 0, f"pandoc could not write the DOCX: {reason}")])
    return done.stdout


def finish(data: bytes, properties: dict[str, str], language: str, epoch: int, faces_of) -> bytes:
    """The DOCX with the language on every run, its properties, fixed timestamps."""
    stamp = datetime.fromtimestamp(max(epoch, 315532800), UTC)  # zip starts in 1980
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as package, zipfile.ZipFile(out, "w") as result:
        for info in package.infolist():
            body = package.read(info.filename)
            if info.filename in ("word/document.xml", "word/footnotes.xml"):
                body = with_language(body, language, faces_of)
            elif info.filename == "docProps/core.xml":
                body = core_properties(body, properties, language, stamp)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            result.writestr(entry, body)
    return out.getvalue()


@functools.cache
def word_language(language: str) -> dict[str, str]:
    """w:lang's attributes for a BCP 47 tag: the tag with its likely region, in
    the slot of its script (East Asian, complex or Latin), which is what Word's
    proofing tools look up."""
    subtags = language.split("-")
    likely = _likely(subtags[0])
    region = next((p for p in subtags[1:] if len(p) == 2 and p.isalpha()), likely[-1])
    tag = f"{subtags[0]}-{region.upper()}" if len(region) == 2 else subtags[0]
    script = script_of(language)
    if script in ("Hans", "Hant", "Jpan", "Kore", "Hani"):
        return {"val": tag, "eastAsia": tag}
    if script in COMPLEX_SCRIPTS:
        return {"val": tag, "bidi": tag}
    return {"val": tag}


# Scripts Word shapes as "complex script" text (w:cs, w:bidi)
COMPLEX_SCRIPTS = {"Arab", "Hebr", "Thai", "Laoo", "Khmr", "Mymr", "Deva", "Beng", "Taml", "Sinh"}


def with_language(xml: bytes, language: str, faces_of) -> bytes:
    """Every run gets a language (w:lang): the document's, or the one its span
    said (pandoc writes that bare, as w:val="th"), put in its script's slot;
    a run in another language than the document's also gets its faces (faces_of)."""
    root = etree.fromstring(xml)
    for run in root.iter(f"{{{W}}}r"):
        properties = run.find(f"{{{W}}}rPr")
        if properties is None:
            properties = etree.Element(f"{{{W}}}rPr")
            run.insert(0, properties)
        own = properties.find(f"{{{W}}}lang")
        tag = language if own is None else own.get(f"{{{W}}}val") or language
        slots = {f"{{{W}}}{k}": v for k, v in word_language(tag).items()}
        put(properties, etree.Element(f"{{{W}}}lang", slots), RPR)
        if tag != language and faces_of(tag):
            fonts = properties.find(f"{{{W}}}rFonts")
            if fonts is None:
                fonts = put(properties, etree.Element(f"{{{W}}}rFonts"), RPR)
            for slot, face in faces_of(tag).items():
                fonts.set(f"{{{W}}}{slot}", face)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


CORE = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def core_properties(xml: bytes, properties: dict[str, str], language: str, stamp) -> bytes:
    """docProps/core.xml with the document's title, subject, keywords, creator,
    language and dates."""
    root = etree.fromstring(xml)
    values = {
        "dc:title": properties.get("title", ""),
        "dc:subject": properties.get("subject", ""),
        "dc:creator": properties.get("creator", ""),
        "cp:keywords": properties.get("keywords", ""),
        "dc:language": language,
        "dc:identifier": properties.get(PROPERTY, ""),
        "dcterms:created": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dcterms:modified": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    for name, value in values.items():
        prefix, local = name.split(":")
        tag = f"{{{CORE[prefix]}}}{local}"
        element = root.find(tag)
        if element is None:
            element = etree.SubElement(root, tag)
            if prefix == "dcterms":
                element.set("{http://www.w3.org/2001/XMLSchema-instance}type", "dcterms:W3CDTF")
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def plain_text(value: str) -> str:
    """A field's text without Markdown's marks, for the package's properties."""
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", value)).strip()


# ----------------------------------------------------------------- from a build


def render_docx(project, document, corpus, name: str, target: Path) -> None:
    """Write the edition name of document (corpus as it sees it) as the DOCX target."""
    from advocacy.build import render_page, routes, stylesheet_files
    from advocacy.wordstyles import faces, reference_docx, tokens

    paths = project.paths
    page = render_page(project, document, corpus, marks=True)
    values = tokens([text for _shown, text in stylesheet_files(paths, corpus.project)])
    reference = reference_docx(values, document.language)
    properties = {
        "title": plain_text(document.title),
        "subject": plain_text(document.subject),
        "keywords": "; ".join(plain_text(k) for k in document.keywords),
        "creator": "; ".join(plain_text(a.name) for a in document.authors),
        PROPERTY: name,
    }
    resolve = _light_logo(resolver(routes(paths), paths.build), corpus.project.organisation)
    faces_of = functools.partial(faces, values)
    language = document.language
    write_docx(
        page.html, target, reference, resolve, properties, language, epoch(document), faces_of
    )


def _light_logo(resolve, organisation):
    """resolve, with the logo for dark bands (on the cover's colour in print)
    replaced by the plain one: a Word page is white, except the cover's band
    (light.on_band resolves as in print). Without a plain logo, the
    organisation's name stands in its place."""
    dark, plain = organisation.logo_on_dark, organisation.logo

    def light(src: str) -> Path | None:
        if dark and src == f"assets/{dark}":
            return resolve(f"assets/{plain}") if plain else None
        return resolve(src)

    light.on_band = resolve  # the cover's band is on the cover's colour: the logo for it
    return light


def resolver(routes: dict[Path, Path], base: Path):
    """src -> the project file an image names, or None: only the routed folders are read."""
    real_routes = {Path(k).absolute(): Path(v).resolve() for k, v in routes.items()}

    def resolve(src: str) -> Path | None:
        if not src or re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):
            return None  # a URL: never fetched
        named = Path(os.path.normpath(base / src))
        for route, real in real_routes.items():
            if named.is_relative_to(route):
                path = (real / named.relative_to(route)).resolve()
                if path.is_relative_to(real) and path.is_file():
                    return path
        return None

    return resolve


def epoch(document) -> int:
    """The time a Word file carries: SOURCE_DATE_EPOCH, or the document's release date."""
    from advocacy.provenance import source_date_epoch

    given = source_date_epoch()
    if given is not None:
        return given
    when = document.released or document.date
    moment = datetime(when.year, when.month or 1, when.day or 1, tzinfo=UTC)
    return int(moment.timestamp())


@functools.cache
def script_of(language: str) -> str | None:
    """The ISO 15924 script a language is written in: its own subtag, or its likely one."""
    subtags = language.split("-")
    own = next((p for p in subtags[1:] if len(p) == 4), None)
    if own:
        return own
    likely = _likely(subtags[0])
    return likely[1] if len(likely) > 2 else None


def _likely(language: str) -> list[str]:
    """CLDR's likely subtags of a language: ['th', 'Thai', 'TH'], or ['']."""
    from babel.core import get_global

    return get_global("likely_subtags").get(language, "").split("_")
