"""Where lines may break in scripts written without spaces between words.

Thai, Lao, Khmer and Burmese put no space between words, and Pango, which
lays out WeasyPrint's lines, knows the words of Thai only (through libthai): a
paragraph of Lao, Khmer or Burmese is one unbreakable line that runs off the
page. Browsers find the words with ICU's dictionary line breaker; so does
this module, and it marks each word boundary inside such a run with U+200B
ZERO WIDTH SPACE in the tree WeasyPrint lays out. The HTML written to build/
is left as it is: browsers break it themselves.

A zero width space is drawn as no glyph, so it never reaches the PDF's text;
pdf.py leaves it out of the source text it records for copying, too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from icu4py.breakers import LineBreaker

ZWSP = "\u200b"
# Thai, Lao, Myanmar (with Extended-A and -B), Khmer (with Khmer Symbols).
UNSPACED = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff\u1780-\u17ff\u19e0-\u19ff]+"
)
SKIPPED = {"head", "style", "script", "title", "pre", "code", "textarea"}


def word_breaks(text: str) -> str:
    """text with U+200B at each line-break opportunity ICU finds inside a run
    of Thai, Lao, Khmer or Burmese where no space or other break is."""
    return UNSPACED.sub(lambda run: _break_run(run[0]), text)


def _break_run(run: str) -> str:
    words = list(LineBreaker(run, "und"))  # ICU picks the dictionary by script
    return ZWSP.join(words)


def mark_breaks(root) -> int:
    """Add word breaks to the text of every element under root (an
    ElementTree element) in place; returns how many were added."""
    added = 0
    for element, slot in _text_slots(root):
        text = getattr(element, slot)
        marked = word_breaks(text)
        if marked != text:
            added += marked.count(ZWSP) - text.count(ZWSP)
            setattr(element, slot, marked)
    return added


def _text_slots(element, skipped: bool = False) -> Iterator[tuple[object, str]]:
    """(element, "text" or "tail") of each piece of text under element, in
    order, leaving out what is not laid out as text (style, code)."""
    tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else None
    inside = skipped or tag is None or tag in SKIPPED  # comments have a function as tag
    if element.text and not inside:
        yield element, "text"
    for child in element:
        yield from _text_slots(child, inside)
        if child.tail and not (skipped or tag in SKIPPED):
            yield child, "tail"


def unmarked(text: str) -> str:
    """text without the breaks word_breaks added (and any other U+200B)."""
    return unicodedata.normalize("NFC", text.replace(ZWSP, ""))
