"""How a page's controls are written in a link: one query parameter each, with a parse/format pair.

A copied address must reproduce the view a person sees, so every page-level control (Funding's
breakdown, the map's measure, focus and pairings, the Projects search and sort, the city of a profile,
the slide) is a LinkValue: `format` writes the control's value into the address, `parse` reads it back
from a link. A link is written by anyone, so `parse` takes nothing on trust: a value that is not one of
the control's choices, or text past its length, is refused with a sentence a person can read (quoting
the value as typed; the page shows it through markdown_text), never an error.

The sidebar filters are one composite value with their own pair (usascp.filters: Filters.to_params and
filters_from_params). ui/url_state.py binds a LinkValue to a widget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A search typed by a person is a few words; a link is not a place to hide a page of text.
LONGEST_TEXT = 200
# A search box holds one line: control characters (tabs and line breaks too) cannot be typed into it.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class Refused(ValueError):
    """A value in a link that the control cannot take; str() is the sentence a person reads."""


@dataclass(frozen=True)
class LinkValue:
    """One control's query parameter: its name, its default (left out of links) and the parse/format pair.

    `parse` raises Refused for a value the control cannot take.
    """

    param: str
    default: Any
    parse: Callable[[str], Any]
    format: Callable[[Any], str]

    def read(self, text: str) -> tuple[Any, str | None]:
        """(value, None) for a good value; (default, the reason in words) for one that is refused."""
        try:
            return self.parse(text), None
        except Refused as refused:
            return self.default, str(refused)

    def write(self, value) -> str | None:
        """The parameter's text for `value`; None (left out of the link) for the default or no value."""
        if value is None or value == self.default:
            return None
        return self.format(value)


def choice(param: str, options: Sequence | Mapping, default=None, refusal: str | None = None) -> LinkValue:
    """One of `options` (their keys, for a mapping), written as itself.

    `refusal` is the sentence for a value that is not an option, with {value} where the value goes;
    by default "Ignored <param> '<value>': not one of the choices."
    """
    allowed = list(options)
    texts = {str(option): option for option in allowed}
    sentence = refusal or f"Ignored {param} '{{value}}': not one of the choices."

    def parse(text: str):
        if text not in texts:
            raise Refused(sentence.format(value=text))
        return texts[text]

    return LinkValue(param, default, parse, str)


def flag(param: str, default: bool = False, what: str | None = None) -> LinkValue:
    """On or off, written 1 or 0."""

    def parse(text: str) -> bool:
        if text in ("1", "0"):
            return text == "1"
        raise Refused(f"Ignored {what or param} '{text}': use 1 or 0.")

    return LinkValue(param, default, parse, lambda on: "1" if on else "0")


def text(param: str, what: str | None = None, longest: int = LONGEST_TEXT) -> LinkValue:
    """Free text a person typed (a search), kept as typed up to `longest` characters.

    Control characters become spaces (they cannot be typed into the box); a longer text is refused
    rather than cut, so the view never silently differs from the link.
    """

    def parse(value: str) -> str:
        if len(value) > longest:
            raise Refused(f"Ignored the {what or param} in the link: it is longer than {longest:,} characters.")
        return " ".join(_CONTROLS.sub(" ", value).split())

    return LinkValue(param, "", parse, str)
