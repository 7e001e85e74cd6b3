"""The frame every mapconf HTML page shares: escaping, and a document
skeleton with the style and script of runner/reports/assets/ copied inline.

A page makes no request: no stylesheet, script, image or font is loaded
from anywhere, so it reads the same from a CI artifact, a mail attachment or
a disk with no network.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"

# Control characters are drawn as their Unicode "control pictures" (ESC as
# U+241B) so that a transcript shows them instead of hiding them.
C0_CONTROLS = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
# Not renderable or not encodable in UTF-8 (lone surrogates).
UNRENDERABLE = re.compile("[\u0080-\u009f\ud800-\udfff\ufffe\uffff]")


def text(value) -> str:
    """Any value from a results document, safe as HTML text or as a quoted
    attribute value: markup characters and quotes escaped, controls shown."""
    shown = "" if value is None else str(value)
    shown = C0_CONTROLS.sub(_control_picture, shown)
    shown = UNRENDERABLE.sub("\ufffd", shown)
    return html.escape(shown, quote=True)


def _control_picture(match) -> str:
    code = ord(match.group())
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


@functools.cache
def asset(name: str) -> str:
    """An asset's text, checked so that it cannot end the element it is
    copied into (a "</style" or "</script" inside would)."""
    content = (ASSETS / name).read_text(encoding="utf-8")
    if re.search(r"</(style|script)", content, re.IGNORECASE):
        raise ValueError(f"{ASSETS / name} contains a closing </style or </script tag and cannot be inlined")
    return content


def document(title: str, body: list[str]) -> str:
    """A whole HTML page: `title` is plain text, `body` is markup built with text()."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title>",
        f"<style>\n{asset('report.css')}</style>",
        "</head>",
        "<body>",
        *[part for part in body if part],
        f"<script>\n{asset('filters.js')}</script>",
        "</body>",
        "</html>",
        "",
    ])


def write(page: str, path) -> None:
    """Write a page as UTF-8 with Unix line ends."""
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(page)
