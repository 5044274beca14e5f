"""The Word reference document: the house styles, from the same design tokens as the CSS.

pandoc writes a DOCX with the styles of a reference document. This one
starts from pandoc's own and sets, from the tokens of templates/css (with a
theme's and project.yaml's colours over them), the fonts per script, sizes
and colours of Normal, Title, Subtitle, the headings, captions, references
and footnotes, and adds the styles of our blocks: the key messages, boxes,
recommendations, the imprint, the cover's labels. A network's brand reaches
the Word file as it reaches the PDF.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import tinycss2
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from advocacy.bibliography import call_pandoc
from advocacy.docx import script_of
from advocacy.ooxml import PPR, RPR, TBLPR, put

# Noto faces for the scripts the house fonts lack, by ISO 15924 code
SCRIPT_FONTS = {
    "Thai": "Noto Sans Thai",
    "Laoo": "Noto Sans Lao",
    "Khmr": "Noto Sans Khmer",
    "Mymr": "Noto Sans Myanmar",
    "Sinh": "Noto Sans Sinhala",
    "Deva": "Noto Sans Devanagari",
    "Beng": "Noto Sans Bengali",
    "Taml": "Noto Sans Tamil",
}
EAST_ASIAN = {  # language (with script) -> token of its CJK face
    "zh": "font-chinese-simplified",
    "zh-Hans": "font-chinese-simplified",
    "zh-Hant": "font-chinese-traditional",
    "ja": "font-japanese",
    "ko": "font-korean",
}


def tokens(css_texts: list[str]) -> dict[str, str]:
    """The custom properties (--name: value) of every :root rule, the last one winning."""
    found: dict[str, str] = {}
    for text in css_texts:
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
            if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
                continue
            for item in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
                if item.type == "declaration" and item.name.startswith("--"):
                    found[item.name[2:]] = tinycss2.serialize(item.value).strip()
    return found


def family(value: str) -> str:
    """The first family of a font stack: '"Noto Sans", sans-serif' -> Noto Sans."""
    for token in tinycss2.parse_component_value_list(value):
        if token.type == "string":
            return token.value
        if token.type == "ident":
            return token.value
    return "Noto Sans"


def colour(value: str, default: str = "1d2327") -> RGBColor:
    text = value.strip().lstrip("#") if value else default
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        return RGBColor.from_string(text[:6].upper())
    except ValueError:
        return RGBColor.from_string(default.upper())


def size(value: str, default: float) -> Pt:
    text = (value or "").strip()
    try:
        return Pt(float(text[:-2])) if text.endswith("pt") else Pt(default)
    except ValueError:
        return Pt(default)


def faces(values: dict[str, str], language: str) -> dict[str, str]:
    """The faces for text in language, by Word's slot: "eastAsia" for Chinese,
    Japanese and Korean (the tokens' faces), "cs" for a complex script."""
    found = {}
    token = EAST_ASIAN.get(language, EAST_ASIAN.get(language.split("-")[0]))
    if token and values.get(token):
        found["eastAsia"] = family(values[token])
    script = script_of(language)
    if script == "Arab" and values.get("font-arabic-script"):
        found["cs"] = family(values["font-arabic-script"])
    elif script in SCRIPT_FONTS:
        found["cs"] = SCRIPT_FONTS[script]
    return found


def reference_docx(values: dict[str, str], language: str) -> bytes:
    """The reference document for a document in language; values are the tokens."""
    with tempfile.TemporaryDirectory(prefix="advocacy-") as folder:
        path = Path(folder) / "reference.docx"
        call_pandoc([f"--output={path}", "--print-default-data-file=reference.docx"], "", folder)
        document = Document(str(path))
    body, display = family(values.get("font-body", "")), family(values.get("font-display", ""))
    own = faces(values, language)
    east, complex_font = own.get("eastAsia", body), own.get("cs", body)
    _defaults(document, body, east, complex_font, size(values.get("size-body"), 10))
    for name, style in _styles(values, body, display).items():
        _apply(document, name, style)
    _table(document, values)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _defaults(document, body: str, east: str, complex_font: str, body_size: Pt) -> None:
    """The fonts of every run, per slot: Latin, East Asian, complex script."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = put(run, OxmlElement("w:rFonts"), RPR)
    for slot, name in (("ascii", body), ("hAnsi", body), ("eastAsia", east), ("cs", complex_font)):
        fonts.set(qn(f"w:{slot}"), name)
    normal = document.styles["Normal"]
    normal.font.size = body_size
    normal.font.name = body
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), east)
    normal.element.rPr.rFonts.set(qn("w:cs"), complex_font)
    size_cs = put(normal.element.rPr, OxmlElement("w:szCs"), RPR)
    size_cs.set(qn("w:val"), str(int(body_size.pt * 2)))


def _styles(values: dict[str, str], body: str, display: str) -> dict[str, dict]:
    primary, dark = values.get("colour-primary", "#0b5563"), values.get("colour-primary-dark", "")
    accent, muted = values.get("colour-accent", "#b34d16"), values.get("colour-muted", "#55626a")
    text, tint = values.get("colour-text", "#1d2327"), values.get("colour-tint", "#e9f2f3")
    warm, rule = values.get("colour-tint-warm", "#fbf0e8"), values.get("colour-rule", "#c9d3d6")
    on_primary = values.get("colour-on-primary", "#ffffff")
    on_primary_soft = values.get("colour-on-primary-soft", "#d3e7ea")
    small = size(values.get("size-small"), 8.5)
    label = size(values.get("size-label"), 7.5)
    heading = size(values.get("size-heading"), 15)
    sub = size(values.get("size-subheading"), 11)
    return {
        "Normal": {"colour": text},
        "Body Text": {"after": 6, "before": 0},
        "First Paragraph": {"after": 6, "before": 0},
        # the title and subtitle on a band of the primary colour, as on the covers
        "Title": {
            "font": display,
            "size": size(values.get("size-title"), 30),
            "colour": on_primary,
            "bold": True,
            "after": 0,
            "band": primary,
        },
        "Subtitle": {
            "size": size(values.get("size-lead"), 12.5),
            "colour": on_primary_soft,
            "after": 12,
            "band": primary,
        },
        # the wordmark or logo, series, number, date and status above the title, on its band
        "Cover Wordmark": {
            "font": display,
            "size": heading,
            "colour": on_primary,
            "bold": True,
            "after": 4,
            "band": primary,
            "keep": True,
        },
        "Cover Band": {
            "size": label,
            "colour": on_primary_soft,
            "bold": True,
            "caps": True,
            "after": 0,
            "band": primary,
            "keep": True,
        },
        "Cover Band Status": {
            "size": label,
            "colour": on_primary,
            "bold": True,
            "caps": True,
            "after": 8,
            "band": primary,
            "keep": True,
        },
        "Author": {"colour": text, "bold": True, "after": 0, "base": "Normal"},
        "Date": {"colour": muted, "after": 12, "base": "Normal"},
        "Status": {"colour": accent, "bold": True, "size": label, "caps": True},
        "Kicker": {
            "colour": accent,
            "bold": True,
            "size": label,
            "caps": True,
            "before": 8,
            "after": 2,
            "keep": True,
        },
        "Cover Meta": {"colour": muted, "size": small, "after": 2},
        "Heading 1": {"font": display, "size": heading, "colour": primary, "bold": True},
        "Heading 2": {"font": body, "size": sub, "colour": dark or primary, "bold": True},
        "Heading 3": {"font": body, "size": size(values.get("size-body"), 10), "bold": True},
        "Key Messages": {"shade": tint, "border": accent, "after": 4, "indent": 6},
        "Box": {"shade": warm, "border": rule, "after": 4, "indent": 6},
        "Recommendation": {"border": primary, "after": 4, "indent": 6},
        "Addressed To": {
            "colour": accent,
            "bold": True,
            "size": label,
            "caps": True,
            "keep": True,
        },
        "Partners": {"colour": dark or primary, "bold": True, "after": 6},
        "Source": {"colour": muted, "size": small},
        "Imprint": {"colour": muted, "size": small, "after": 3},
        "Bibliography": {"size": small, "after": 3, "hanging": 18},
        "Footnote Text": {"size": small},
        "Image Caption": {"size": small, "colour": muted, "italic": False, "after": 8},
        "Table Caption": {"size": small, "colour": muted, "bold": True, "after": 4},
        "Hyperlink": {"colour": primary, "character": True},
    }


def _apply(document, name: str, spec: dict) -> None:
    kind = WD_STYLE_TYPE.CHARACTER if spec.get("character") else WD_STYLE_TYPE.PARAGRAPH
    try:
        style = document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, kind)
        style.base_style = document.styles["Body Text"]
        style.quick_style = True
    if "base" in spec:  # pandoc bases Author and Date on Title, whose band they must not take
        style.base_style = document.styles[spec["base"]]
    font = style.font
    if "font" in spec:
        font.name = spec["font"]
    if "size" in spec:
        font.size = spec["size"]
    if "colour" in spec:
        font.color.rgb = colour(spec["colour"])
    for attribute in ("bold", "italic"):
        if attribute in spec:
            setattr(font, attribute, spec[attribute])
    if spec.get("caps"):
        font.all_caps = True
    if kind == WD_STYLE_TYPE.CHARACTER:
        return
    layout = style.paragraph_format
    if "after" in spec:
        layout.space_after = Pt(spec["after"])
    if "before" in spec:
        layout.space_before = Pt(spec["before"])
    if name in ("Title", "Subtitle", "Author", "Date", "Abstract"):
        layout.alignment = WD_ALIGN_PARAGRAPH.LEFT  # the house sets its covers flush left
    if name.startswith("Heading"):
        layout.space_before, layout.space_after = Pt(14), Pt(4)
        layout.keep_with_next = True
    if spec.get("keep"):
        layout.keep_with_next = True  # a label stays with what it labels
    if "indent" in spec:
        layout.left_indent = Pt(spec["indent"])
    if "hanging" in spec:
        layout.left_indent, layout.first_line_indent = Pt(spec["hanging"]), Pt(-spec["hanging"])
    if "shade" in spec or "border" in spec:
        _frame(style, spec.get("shade"), spec.get("border"))
    if "band" in spec:
        _band(style, spec["band"])


def _frame(style, shade: str | None, border: str | None) -> None:
    """A shaded paragraph with a rule at its left, as the boxes of the PDF."""
    properties = style.element.get_or_add_pPr()
    if border:
        edges = OxmlElement("w:pBdr")
        left = OxmlElement("w:left")
        for key, value in (("val", "single"), ("sz", "18"), ("space", "6"), ("color", border)):
            left.set(qn(f"w:{key}"), value.lstrip("#") if key == "color" else value)
        edges.append(left)
        put(properties, edges, PPR)
    if shade:
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:color"), "auto")
        fill.set(qn("w:fill"), shade.lstrip("#"))
        put(properties, fill, PPR)


def _band(style, fill: str) -> None:
    """A paragraph on a band of colour with room around its text: shaded, with
    borders of the same colour (paragraphs with the same borders share one)."""
    properties = style.element.get_or_add_pPr()
    edges = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "48"), ("space", "4"), ("color", fill)):
            line.set(qn(f"w:{key}"), value.lstrip("#"))
        edges.append(line)
    put(properties, edges, PPR)
    shade = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", fill.lstrip("#"))):
        shade.set(qn(f"w:{key}"), value)
    put(properties, shade, PPR)


def _table(document, values: dict[str, str]) -> None:
    """pandoc's Table style: rules above, below and under the header row, small text."""
    style = document.styles["Table"]
    style.font.size = size(values.get("size-small"), 8.5)
    properties = style.element.find(qn("w:tblPr"))
    if properties is None:  # a style's tblPr comes after its pPr and rPr
        properties = OxmlElement("w:tblPr")
        style.element.append(properties)
    edges = OxmlElement("w:tblBorders")
    rule = values.get("colour-rule", "#c9d3d6").lstrip("#")
    for edge in ("top", "bottom", "insideH"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", rule)):
            line.set(qn(f"w:{key}"), value)
        edges.append(line)
    put(properties, edges, TBLPR)
