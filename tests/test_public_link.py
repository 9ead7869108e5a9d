"""The public address (USASCP_PUBLIC_URL) is checked as hostile, the live link reproduces the view, and its QR code reads back."""

from __future__ import annotations

import io
import re
import urllib.parse

import pytest
import zxingcpp
from PIL import Image

from usascp import public_link
from usascp.filters import Filters, filter_options, filters_from_params
from usascp.presentation import SLIDE_KEYS, SLIDE_LINK, live_link
from usascp.public_link import AddressRefused, public_address

CROWDED = Filters(
    year_from=2020, countries=("KHM", "VNM"), cities=("phnom_penh",), sectors=("Training & exchange",), include_related=True
)


def decoded(picture: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(picture) if code.format == zxingcpp.BarcodeFormat.QRCode]


def svg_picture(data_uri: str, scale: int = 4) -> Image.Image:
    """segno's SVG drawn the plain way: its one path is horizontal runs of dark modules (M/m move, h draws)."""
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    size = int(re.search(r"viewBox='0 0 (\d+) \1'", svg).group(1))
    path = re.search(r"class='qrline'[^>]*\bd='([^']+)'", svg).group(1)
    picture = Image.new("L", (size * scale, size * scale), 255)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", path):
        values = [float(n) for n in numbers.split()]
        if command in "Mm":
            x, y = (values[0], values[1]) if command == "M" else (x + values[0], y + values[1])
        else:
            row = int(y)
            for column in range(int(x), int(x + values[0])):
                picture.paste(0, (column * scale, row * scale, (column + 1) * scale, (row + 1) * scale))
            x += values[0]
    return picture


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("https://usascp.example.org", "https://usascp.example.org"),
        ("https://USASCP.Example.org/", "https://usascp.example.org"),
        ("http://127.0.0.1:8501", "http://127.0.0.1:8501"),
        ("https://example.org/apps/usascp/", "https://example.org/apps/usascp"),
        ("https://[2001:db8::1]:8443/dash", "https://[2001:db8::1]:8443/dash"),
        ("https://xn--bcher-kva.example/a%20b", "https://xn--bcher-kva.example/a%20b"),
    ],
)
def test_a_plain_public_address_is_taken_and_written_plainly(value, address):
    assert public_address(value) == address


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("javascript:alert(document.cookie)", "must start with https:// or http://"),
        ("data:text/html,<script>alert(1)</script>", "must start with https:// or http://"),
        ("ftp://usascp.example.org", "must start with https:// or http://"),
        ("usascp.example.org", "must start with https:// or http://"),
        ("https://usascp example.org", "holds a space"),
        (" https://usascp.example.org", "holds a space"),
        ("https://usascp.example.org\n", "control character"),
        ("https://usascp.example.org/\r\nSet-Cookie: x=1", "control character"),
        ("https://usascp.example.org\t", "control character"),
        ("https://editor:hunter2@usascp.example.org", "user name or password"),
        ("https://trusted.example@evil.example", "user name or password"),
        ("https://usascp.example.org/" + "a" * 5000, "5,027 characters long"),
        ("https://bücher.example", "xn--bcher-kva.example"),
        ("https://usascp.example.org/präsentation", "not plain ASCII"),
        ("https://usascp.example.org?slide=map", "must not have a query"),
        ("https://usascp.example.org/#top", "must not have a query"),
        ("https://", "names no host"),
        ("https://:8501", "names no host"),
        ("https://usascp.example.org:99999", "host or port cannot be read"),
        ("https://usascp.example.org:0", "port must be between 1 and 65535"),
        ("https://usascp_example.org", "host name holds characters"),
        ('https://usascp.example.org/"><script>', "must be percent-encoded"),
        ("https://usascp.example.org/a\\b", "must be percent-encoded"),
        ("", "it is empty"),
        (8501, "must be text"),
        ({"url": "https://usascp.example.org"}, "must be text"),
    ],
)
def test_a_hostile_public_address_is_refused_with_the_reason(value, reason):
    with pytest.raises(AddressRefused) as refused:
        public_address(value)
    sentence = str(refused.value)
    assert sentence.startswith("USASCP_PUBLIC_URL is not used: ") and reason in sentence
    # The page is public: the refused value is never quoted (it may hold a password).
    assert "hunter2" not in sentence and "<script>" not in sentence and "evil" not in sentence


def test_the_environment_comes_before_secrets_and_an_empty_value_is_not_set():
    assert public_link.configured_address(None, None) == (None, None)
    assert public_link.configured_address("", None) == (None, None)
    assert public_link.configured_address("https://a.example", "https://b.example") == ("https://a.example", None)
    assert public_link.configured_address(None, "https://b.example/") == ("https://b.example", None)
    address, refused = public_link.configured_address("javascript:alert(1)", "https://b.example")
    assert address is None and "must start with https://" in refused  # a bad setting is said, not skipped


@pytest.mark.parametrize("key", SLIDE_KEYS)
@pytest.mark.parametrize("filters", [Filters(), CROWDED], ids=["all", "crowded"])
def test_the_live_link_opens_the_same_slide_with_the_same_filters(dataset, filters, key):
    link = live_link("https://example.org/usascp", filters, key)
    parts = urllib.parse.urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "example.org", "/usascp/present")
    params = urllib.parse.parse_qs(parts.query)
    read, notices = filters_from_params(params, filter_options(dataset))
    assert (read, notices) == (filters, [])
    slide = params.pop(SLIDE_LINK.param, [SLIDE_LINK.default])
    assert SLIDE_LINK.read(slide[0]) == (key, None)
    # The same query the address bar shows: the filters' parameters, then the slide's (the first slide left out).
    expected = {**filters.to_params(), **({"slide": [key]} if key != SLIDE_KEYS[0] else {})}
    assert list(urllib.parse.parse_qs(parts.query)) == list(expected)


def test_the_readable_link_drops_the_scheme_and_is_cut_at_a_separator():
    assert public_link.readable("https://usascp.example.org/present?slide=map") == "usascp.example.org/present?slide=map"
    long = live_link("https://usascp.example.org", CROWDED, "map")
    shown = public_link.readable(long)
    assert len(shown) <= public_link.LONGEST_SHORT_LINK and shown.endswith("…")
    assert long.split("://", 1)[1].startswith(shown.removesuffix("…"))
    assert shown.removesuffix("…")[-1] not in "&?/"  # cut before a separator, not after it
    assert public_link.readable_lines("usascp.example.org/present?country=KHM&slide=map", 26) == [
        "usascp.example.org/present",
        "?country=KHM&slide=map",
    ]
    assert all(len(line) <= 20 for line in public_link.readable_lines("a" * 50 + ".example/present?slide=map", 20))


@pytest.mark.parametrize("filters", [Filters(), CROWDED], ids=["all", "crowded"])
def test_the_qr_code_reads_back_as_the_whole_link(filters):
    link = live_link("https://usascp.example.org", filters, "funding")
    png = Image.open(io.BytesIO(public_link.qr_png(link, scale=3)))
    assert decoded(png) == [link]
    assert decoded(svg_picture(public_link.qr_svg_data_uri(link))) == [link]
    code = public_link.qr_code(link)
    assert code.error in ("L", "M", "Q") and code.version <= public_link.LARGEST_VERSION
    assert public_link.modules(code) == code.symbol_size(border=0)[0] + 2 * public_link.QUIET_ZONE


def test_a_link_too_long_for_a_readable_code_gets_none():
    link = "https://usascp.example.org/present?" + "&".join(f"city=city_{n}" for n in range(40))
    assert public_link.qr_code(link) is None
    assert public_link.qr_png(link) is None and public_link.qr_svg_data_uri(link) is None
