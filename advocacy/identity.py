"""A publisher's identity, from content: brand colours as design tokens, checked for contrast.

The house stylesheet reads its colours from CSS variables
(templates/css/00-tokens.css). A project that names its own colours in
`project.yaml` gets them, and the shades derived from them, as variables
after the house ones, so a fork never edits the tool's CSS. Every pair that
carries text is checked against WCAG 2's AA contrast for body text (4.5:1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

AA = 4.5  # WCAG 2.x 1.4.3: body text
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
HEX = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")

Colour = tuple[int, int, int]


def parse(value: str) -> Colour | None:
    """'#0b5563' or '#fff' as (r, g, b); None when it is neither."""
    found = HEX.match(value.strip())
    if not found:
        return None
    digits = found[1]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def hex_of(colour: Colour) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def luminance(colour: Colour) -> float:
    """Relative luminance, as WCAG 2 defines it."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: Colour, other: Colour) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: Colour, other: Colour, share: float) -> Colour:
    """colour with share (0..1) of other mixed in."""
    return tuple(round(a + (b - a) * share) for a, b in zip(colour, other, strict=True))  # type: ignore[return-value]


def _lightest_on(background: Colour, start: Colour, toward: Colour = WHITE) -> Colour:
    """start, mixed toward `toward` only as far as it needs to read on background."""
    for step in range(11):
        candidate = mix(start, toward, step / 10)
        if contrast(candidate, background) >= AA:
            return candidate
    return toward


@dataclass(frozen=True)
class Brand:
    """The colours a document is drawn in: the project's two, and what follows from them."""

    primary: Colour
    accent: Colour

    def tokens(self) -> dict[str, str]:
        """The design tokens of 00-tokens.css, as this brand sets them."""
        on_primary = WHITE if contrast(WHITE, self.primary) >= AA else BLACK
        return {
            "--colour-primary": hex_of(self.primary),
            "--colour-primary-dark": hex_of(mix(self.primary, BLACK, 0.3)),
            "--colour-accent": hex_of(self.accent),
            "--colour-on-primary": hex_of(on_primary),
            "--colour-on-primary-soft": hex_of(
                _lightest_on(self.primary, mix(on_primary, self.primary, 0.25), on_primary)
            ),
            "--colour-on-primary-accent": hex_of(
                _lightest_on(self.primary, self.accent, on_primary)
            ),
            "--colour-tint": hex_of(mix(self.primary, WHITE, 0.9)),
            "--colour-tint-warm": hex_of(mix(self.accent, WHITE, 0.9)),
        }

    def css(self) -> Markup:
        """A `:root` rule that sets the tokens, to follow the house stylesheet."""
        body = " ".join(f"{name}: {value};" for name, value in self.tokens().items())
        return Markup(f":root {{ {body} }}")


def contrast_problems(primary: Colour, accent: Colour) -> list[tuple[str, str]]:
    """(field, message) for each brand colour that text set in it would not be read in."""
    found = []
    for name, colour in (("primary", primary), ("accent", accent)):
        ratio = contrast(colour, WHITE)
        if ratio < AA:
            found.append(
                (
                    name,
                    f"organisation.colours.{name}: text in {hex_of(colour)} on white has a "
                    f"contrast of {_ratio(ratio)}:1, below the {AA}:1 that WCAG AA asks of "
                    "body text; choose a darker colour",
                )
            )
    return found


def _ratio(value: float) -> str:
    """A ratio as WCAG tools print it: rounded down, so 4.48 is never shown as 4.5."""
    return f"{int(value * 10) / 10:.1f}"
