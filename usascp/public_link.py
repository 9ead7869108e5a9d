"""The dashboard's public address (USASCP_PUBLIC_URL), the link to a live view built on it, and its QR code.

A slide on a hall's screen, or in a deck sent round after a talk, carries a QR code and a short link to the
same view, live: the public address, the page's path and the query the browser shows for those filters
and that slide (Filters.to_params and the page's LinkValue write it; nothing here encodes a filter again).

The address is configuration, and configuration is not trusted: a value that is not a plain http(s)
address with a host, or that carries a user name or password, a query, spaces, control or non-ASCII
characters, or runs past LONGEST_ADDRESS, is refused with a sentence saying what is wrong. The sentence
never quotes the value: the Present page is public, and a refused value may hold a password.

The code is drawn here, in the process, by segno (no service, no network): an SVG for the page and a PNG
for the deck, dark on white with a quiet zone of QUIET_ZONE modules. A link too long for a code that
can be read across a room (past LARGEST_VERSION) gets no code; its link is still shown.
"""

from __future__ import annotations

import functools
import io
import re
import urllib.parse
from collections.abc import Mapping, Sequence

import segno

from usascp.formatting import WEB_ADDRESS

SETTING = "USASCP_PUBLIC_URL"
LONGEST_ADDRESS = 300  # characters: a deployment's address and base path; the view's query comes on top
EXAMPLE = "https://usascp.example.org"
HOW_TO_SET = (
    f"Set `{SETTING}` to the address people reach this dashboard at (for example `{EXAMPLE}`), as an environment "
    f'variable of the server or a line `{SETTING} = "{EXAMPLE}"` in `.streamlit/secrets.toml`, and restart it.'
)
# Version 10 is 57 modules a side: read from a phone across a room when drawn 2-3 px a module on a projector.
# A link that needs more (about 270 characters at level L) would be a grey square at slide size.
LARGEST_VERSION = 10
QUIET_ZONE = 2  # modules drawn white around the code; the page draws two more in white around it
LONGEST_SHORT_LINK = 60  # characters of the readable link printed beside the code; the code holds it all

_HOST_NAME = re.compile(
    r"\A(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?\Z"
)
_PATH = re.compile(r"\A(?:/(?:[A-Za-z0-9._~!$'*+,;=:@-]|%[0-9A-Fa-f]{2})*)*\Z")


class AddressRefused(ValueError):
    """A configured public address that cannot be used; str() is the sentence a person reads."""


def public_address(value) -> str:
    """The configured address, checked and written plainly (scheme and host in lower case, no trailing slash).

    Raises AddressRefused, with the reason, for anything but an http:// or https:// address with a host,
    an optional port and base path: no user name or password, query, fragment, whitespace, control or
    non-ASCII characters, and at most LONGEST_ADDRESS characters.
    """

    def refuse(reason: str) -> AddressRefused:
        return AddressRefused(f"{SETTING} is not used: {reason}. No QR code is drawn until it is fixed.")

    if not isinstance(value, str):
        raise refuse(f"it must be text, not {type(value).__name__}")
    if not value:
        raise refuse("it is empty")
    if len(value) > LONGEST_ADDRESS:
        raise refuse(f"it is {len(value):,} characters long, over the {LONGEST_ADDRESS} allowed")
    if re.search(r"[\x00-\x1f\x7f-\x9f]", value):
        raise refuse("it holds a control character (a line break or tab, perhaps)")
    if re.search(r"\s", value):
        raise refuse("it holds a space (write a space in a path as %20)")
    scheme, separator, rest = value.partition("://")
    if not separator or scheme.lower() not in ("http", "https"):
        raise refuse("it must start with https:// or http://")
    if not value.isascii():
        host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = None
        if ascii_host and not host.isascii():
            raise refuse(f"its host name is not plain ASCII; write it as a browser sends it ({ascii_host})")
        raise refuse("it holds characters that are not plain ASCII (percent-encode them in the path)")
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError:
        raise refuse("its host or port cannot be read") from None
    if "@" in parts.netloc:
        raise refuse("it carries a user name or password before the host; a public address must not")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise refuse("it must not have a query (?…) or fragment (#…): the dashboard adds the view's own")
    host = parts.hostname or ""
    if not host:
        raise refuse("it names no host")
    if not (_HOST_NAME.match(host) or (parts.netloc.startswith("[") and re.fullmatch(r"[0-9a-f:.]+", host))):
        raise refuse("its host name holds characters a host name cannot have")
    if port == 0:
        raise refuse("its port must be between 1 and 65535")
    if not _PATH.match(parts.path):
        raise refuse("its path holds characters that must be percent-encoded (quotes, brackets, backslashes and the like)")
    netloc = parts.netloc.lower()
    address = f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"
    if not WEB_ADDRESS.match(address):  # the dashboard's one rule for an address it links to, as a last gate
        raise refuse("it is not a plain web address")
    return address


def configured_address(*values) -> tuple[str | None, str | None]:
    """(address, None) from the first value that is set (the environment, then secrets.toml); (None, the
    reason) when it is refused; (None, None) when none is set (an empty value is not set: a way to turn it off)."""
    for value in values:
        if value is None or value == "":
            continue
        try:
            return public_address(value), None
        except AddressRefused as refused:
            return None, str(refused)
    return None, None


def view_link(address: str, page: str, params: Mapping[str, Sequence[str]]) -> str:
    """The full link to `page` of the dashboard at `address` (checked by public_address) with `params`,
    written as the browser's address bar writes them (`?country=KHM&sector=Training+%26+exchange`)."""
    query = urllib.parse.urlencode([(name, value) for name, values in params.items() for value in values])
    return f"{address}/{page.strip('/')}" + (f"?{query}" if query else "")


def readable(link: str, longest: int = LONGEST_SHORT_LINK) -> str:
    """The link as a person reads it: without the scheme, cut at a '/', '?' or '&' with "…" past `longest`."""
    text = link.split("://", 1)[-1]
    if len(text) <= longest:
        return text
    room = text[: longest - 1]
    cut = max(room.rfind(mark) for mark in "/?&")
    return (room[:cut] if cut > longest // 2 else room) + "…"


def readable_lines(text: str, per_line: int) -> list[str]:
    """`text` (readable()'s) broken into lines of at most `per_line` characters, before a '/', '?' or '&'
    where it can: a slide's text box breaks a line only at spaces, and a link has none."""
    pieces = [piece for piece in re.split(r"(?=[/?&])", text) if piece]
    lines: list[str] = []
    for piece in pieces:
        while len(piece) > per_line:  # a host longer than a line: broken where it must be
            if lines and len(lines[-1]) < per_line:
                room = per_line - len(lines[-1])
                lines[-1], piece = lines[-1] + piece[:room], piece[room:]
            else:
                lines.append(piece[:per_line])
                piece = piece[per_line:]
        if lines and len(lines[-1]) + len(piece) <= per_line:
            lines[-1] += piece
        elif piece:
            lines.append(piece)
    return lines


@functools.lru_cache(maxsize=256)
def qr_code(link: str) -> segno.QRCode | None:
    """The QR code of `link`: the smallest version at error level L, raised to M or Q where that costs no
    size; None when the link needs more than LARGEST_VERSION."""
    try:
        code = segno.make(link, error="l", boost_error=True, micro=False, encoding="utf-8")
    except segno.DataOverflowError:
        return None
    return code if code.version <= LARGEST_VERSION else None


def modules(code: segno.QRCode) -> int:
    """Modules a side, with the quiet zone: the page sizes the code by it."""
    return code.symbol_size(border=QUIET_ZONE)[0]


def qr_svg_data_uri(link: str) -> str | None:
    """The code as an SVG data: URI for an <img> (scales without blur), or None (see qr_code)."""
    code = qr_code(link)
    if code is None:
        return None
    return code.svg_data_uri(border=QUIET_ZONE, dark="#000000", light="#FFFFFF", omitsize=True)


def qr_png(link: str, scale: int = 12) -> bytes | None:
    """The code as a PNG, `scale` pixels a module (a 1.2-inch picture at 12 stays sharp printed), or None."""
    code = qr_code(link)
    if code is None:
        return None
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000000", light="#FFFFFF")
    return out.getvalue()
