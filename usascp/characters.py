"""Control characters in text: invisible, never meant, and not allowed in the .xlsx and .pptx files we write.

Two kinds reach text cells. C0 controls (U+0000 to U+001F, but tab and line breaks) and DEL come from
copying out of other programs (a bell, a NUL, PowerPoint's vertical-tab line break); XML 1.0 forbids the
C0 ones, so openpyxl refuses a cell holding one (IllegalCharacterError: the whole download fails) and
python-pptx writes it as "_x0001_". They carry no meaning and are taken out, with a note.

C1 controls (U+0080 to U+009F) are what Windows-1252 punctuation becomes when a program reads it as
Latin-1: "People’s" turns into "People\x92s". Taking U+0092 out would leave "Peoples", a quiet change of
the text, so load.py refuses these instead, naming the character that was likely meant.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# C0 controls but tab (U+0009), line feed (U+000A) and carriage return (U+000D), and DEL (U+007F).
REMOVED_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MISREAD_CONTROLS = re.compile("[\x80-\x9f]")
_ANY_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same characters in RE2's syntax, for Arrow's regex kernels (which read code points, not bytes, in UTF-8 text).
ANY_CONTROL_RE2 = r"[\x{00}-\x{08}\x{0b}\x{0c}\x{0e}-\x{1f}\x{7f}-\x{9f}]"
# A vertical tab is the line break Word and PowerPoint put in copied text, a form feed a page break:
# they become line breaks, so the words on either side stay apart.
_LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n"}


def without_controls(text: str) -> str:
    """`text` without its C0 controls (but tab and line breaks) and DEL; a vertical tab or form feed becomes a line break."""
    return REMOVED_CONTROLS.sub(lambda match: _LINE_BREAKS.get(match.group(0), ""), text)


def removal_note(text: str) -> str:
    """What `without_controls` does to `text`, in words, with each character as a person can look it up (U+0007)."""
    found = sorted(set(REMOVED_CONTROLS.findall(text)))
    removed = [f"U+{ord(char):04X}" for char in found if char not in _LINE_BREAKS]
    broken = [f"U+{ord(char):04X}" for char in found if char in _LINE_BREAKS]
    parts = []
    if removed:
        parts.append(f"removed the invisible control character{'s' if len(removed) > 1 else ''} {', '.join(removed)}")
    if broken:
        parts.append(f"turned {', '.join(broken)}, a line or page break copied from another program, into a line break")
    return "; ".join(parts) + "; spreadsheets and slides cannot hold control characters"


def misread_as(char: str) -> str | None:
    """The Windows-1252 character a C1 control most likely was ("’" for U+0092), or None where that code page has none."""
    try:
        return bytes([ord(char)]).decode("cp1252")
    except (UnicodeDecodeError, ValueError):
        return None


def texts_with_controls(texts) -> bool:
    """Whether any of `texts` (strings, or an Arrow string array) holds a control character of either kind.

    An Arrow array is searched by Arrow's regex kernel without making a Python string (25 ms for 500,000
    distinct ids); other strings are joined with line feeds, which are not controls here, and searched once
    (about 0.13 s for the same 500,000).
    """
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        return bool(pc.any(pc.match_substring_regex(texts, ANY_CONTROL_RE2)).as_py())
    return _ANY_CONTROL.search("\n".join(texts)) is not None


def frame_without_controls(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `without_controls` applied to its text cells and column names; the same frame when it has none.

    For the Excel files we write (export.excel_bytes): validation already removed these from what it read, but a table
    built another way must never make a download fail.
    """
    columns = [str(name) for name in frame.columns]
    text_columns = [name for name in frame.columns if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name])]
    cells = (value for name in text_columns for value in frame[name] if isinstance(value, str))
    if not REMOVED_CONTROLS.search("\n".join([*columns, *cells])):
        return frame
    clean = frame.copy()
    for name in text_columns:
        clean[name] = clean[name].map(lambda value: without_controls(value) if isinstance(value, str) else value)
    clean.columns = [without_controls(name) if isinstance(name, str) else name for name in clean.columns]
    return clean
