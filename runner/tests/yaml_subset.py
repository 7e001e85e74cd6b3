"""A strict parser for the part of YAML that mapconf's files use.

Python's standard library has no YAML parser, and the tests must not depend
on one being installed. The workflow (.github/workflows/mapconf.yml) and the
diagnostics blocks of results.tap are checked with this one instead.

It reads: block mappings and block sequences (also "- key: value" items),
flow sequences on one line ([a, "b", [c]]), plain, single-quoted and
double-quoted scalars on one line, literal block scalars (|, |-, |+), and
comments. Plain scalars resolve as in YAML 1.2's core schema (null, true and
false, integers, floats; "on" stays a string); keys stay strings.

Everything else is refused with the line number rather than guessed at:
tabs in indentation, flow mappings, anchors, aliases, tags, directives,
document markers, complex keys, folded scalars, scalars continued on the
next line, duplicate keys, and content at an indentation that fits nothing.
"""

from __future__ import annotations

import re

NULLS = {"", "~", "null", "Null", "NULL"}
TRUES = {"true", "True", "TRUE"}
FALSES = {"false", "False", "FALSE"}
INTEGER = re.compile(r"[-+]?[0-9]+")
OCTAL = re.compile(r"0o[0-7]+")
HEXADECIMAL = re.compile(r"0x[0-9a-fA-F]+")
FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# A plain scalar may not start with an indicator character (YAML 1.2, 7.3.3);
# some of them start what this parser does not support at all.
INDICATOR_START = set("[]{},#&*!|>'\"%@`?")
UNSUPPORTED_START = {"&": "anchors", "*": "aliases", "!": "tags", "{": "flow mappings",
                     "%": "directives", "?": "complex keys", ">": "folded block scalars"}
DOUBLE_QUOTED_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
HEX_ESCAPE_LENGTH = {"x": 2, "u": 4, "U": 8}
KEY_SEPARATOR = re.compile(r":( |$)")


class YamlError(ValueError):
    pass


def parse(text: str):
    """The value of a one-document YAML text (None if it holds nothing)."""
    return _Parser(text).document()


def resolve_plain(text: str):
    """A plain scalar's value under the core schema."""
    if text in NULLS:
        return None
    if text in TRUES:
        return True
    if text in FALSES:
        return False
    if INTEGER.fullmatch(text):
        return int(text)
    if OCTAL.fullmatch(text):
        return int(text[2:], 8)
    if HEXADECIMAL.fullmatch(text):
        return int(text[2:], 16)
    if FLOAT.fullmatch(text):
        return float(text)
    return text


def strip_comment(text: str) -> str:
    """`text` without its comment: from a # at the start or after a space, outside quotes."""
    quote = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote == '"':
            if char == "\\":
                index += 1
            elif char == '"':
                quote = None
        elif quote == "'":
            if char == "'" and text[index + 1:index + 2] == "'":
                index += 1
            elif char == "'":
                quote = None
        elif char == "#" and (index == 0 or text[index - 1] == " "):
            return text[:index].rstrip()
        elif char in "'\"" and (index == 0 or text[index - 1] in " [,"):
            quote = char
        index += 1
    return text.rstrip()


class _Parser:
    def __init__(self, text: str):
        self.lines = text.split("\n")
        if self.lines[-1] == "":
            self.lines.pop()
        for number, line in enumerate(self.lines):
            if "\t" in line[:len(line) - len(line.lstrip(" \t"))]:
                raise self.error("a tab in the indentation", number)
        self.pos = 0

    def error(self, message: str, line: int | None = None) -> YamlError:
        return YamlError(f"line {(self.pos if line is None else line) + 1}: {message}")

    # ---- lines --------------------------------------------------------------

    def at_end(self) -> bool:
        return self.pos >= len(self.lines)

    def indent(self) -> int:
        line = self.lines[self.pos]
        return len(line) - len(line.lstrip(" "))

    def content(self) -> str:
        return strip_comment(self.lines[self.pos].strip())

    def skip_blank(self) -> None:
        while not self.at_end() and not self.content():
            self.pos += 1

    def is_sequence_item(self) -> bool:
        content = self.content()
        return content == "-" or content.startswith("- ")

    # ---- blocks -------------------------------------------------------------

    def document(self):
        self.skip_blank()
        if self.at_end():
            return None
        if self.indent() != 0:
            raise self.error("the document does not start at the left margin")
        if self.content().startswith(("---", "...", "%")):
            raise self.error(f"document markers and directives are not supported: {self.content()[:40]!r}")
        value = self.block(self.indent())
        self.skip_blank()
        if not self.at_end():
            raise self.error("content at an indentation that fits no mapping or sequence")
        return value

    def block(self, indent: int):
        """The block sequence or mapping whose first line is the current one."""
        return self.sequence(indent) if self.is_sequence_item() else self.mapping(indent)

    def value_below(self, parent_indent: int, sequence_may_align: bool):
        """The value of a key or item with nothing after it on its line: the
        block on the next lines, or null. A mapping's value may be a sequence
        at the key's own indentation ("key:" then "- item")."""
        self.pos += 1
        self.skip_blank()
        if self.at_end():
            return None
        indent = self.indent()
        if indent > parent_indent:
            return self.block(indent)
        if indent == parent_indent and sequence_may_align and self.is_sequence_item():
            return self.sequence(indent)
        return None

    def sequence(self, indent: int) -> list:
        items = []
        while not self.at_end() and self.indent() == indent and self.is_sequence_item():
            after_dash = self.lines[self.pos][indent + 1:]
            text = strip_comment(after_dash.strip())
            if not text:
                items.append(self.value_below(indent, sequence_may_align=False))
            elif self.key_and_rest(text) is not None or text == "-" or text.startswith("- "):
                # "- key: value" opens a mapping, "- - x" a sequence, at the column of the text
                column = indent + 1 + len(after_dash) - len(after_dash.lstrip(" "))
                self.lines[self.pos] = " " * column + after_dash.strip()
                items.append(self.block(column))
            else:
                items.append(self.value_here(text, indent))
            self.skip_blank()
            self.refuse_deeper(indent)
        return items

    def mapping(self, indent: int) -> dict:
        result = {}
        while not self.at_end() and self.indent() == indent and not self.is_sequence_item():
            split = self.key_and_rest(self.content())
            if split is None:
                raise self.error(f"expected 'key: value', found {self.content()[:60]!r}")
            key, rest = split
            if key in result:
                raise self.error(f"the key {key!r} appears twice in one mapping")
            if rest:
                result[key] = self.value_here(rest, indent)
            else:
                result[key] = self.value_below(indent, sequence_may_align=True)
            self.skip_blank()
            self.refuse_deeper(indent)
        return result

    def refuse_deeper(self, indent: int) -> None:
        if not self.at_end() and self.indent() > indent:
            raise self.error("a line indented deeper than anything it could belong to "
                             "(scalars continued on the next line are not supported)")

    def key_and_rest(self, text: str):
        """(key, rest) if `text` is "key: rest" or "key:", else None."""
        if text == "?" or text.startswith("? "):
            raise self.error(f"complex keys are not supported: {text[:40]!r}")
        if text[:1] in ("'", '"'):
            key, end = self.quoted(text, 0)
            if text[end:end + 1] != ":" or text[end + 1:end + 2] not in ("", " "):
                return None
            return key, text[end + 1:].strip()
        match = KEY_SEPARATOR.search(text)
        if match is None or text.startswith("- "):
            return None
        key = text[:match.start()].rstrip()
        if not key or key[0] in INDICATOR_START:
            if key[:1] in UNSUPPORTED_START:
                raise self.error(f"{UNSUPPORTED_START[key[0]]} are not supported: {text[:40]!r}")
            return None
        return key, text[match.end():].strip()

    # ---- values on one line -------------------------------------------------

    def value_here(self, text: str, parent_indent: int):
        """The value that starts in `text` on the current line; moves past it."""
        text = strip_comment(text)
        if text.startswith("|"):
            return self.literal_block(text, parent_indent)
        if text.startswith(("[", "'", '"')):
            value, end = self.flow_sequence(text, 0) if text[0] == "[" else self.quoted(text, 0)
            if text[end:].strip():
                raise self.error(f"text after the value: {text[end:].strip()[:40]!r}")
        else:
            value = self.plain(text)
        self.pos += 1
        return value

    def literal_block(self, header: str, parent_indent: int) -> str:
        chomping = header[1:]
        if chomping not in ("", "-", "+"):
            raise self.error(f"unsupported block scalar header {header!r} (use |, |- or |+)")
        self.pos += 1
        lines, content_indent = [], None
        while not self.at_end():
            line = self.lines[self.pos]
            if line.strip():
                indent = len(line) - len(line.lstrip(" "))
                if indent <= parent_indent or (content_indent is not None and indent < content_indent):
                    break
                content_indent = indent if content_indent is None else content_indent
                lines.append(line[content_indent:])
            else:
                lines.append("")
            self.pos += 1
        trailing = 0
        while trailing < len(lines) and lines[-1 - trailing] == "":
            trailing += 1
        body = "\n".join(lines[:len(lines) - trailing])
        if chomping == "-" or not body:
            return body
        return body + "\n" * (1 + trailing if chomping == "+" else 1)

    def plain(self, text: str):
        first = text[:1]
        if first in UNSUPPORTED_START:
            raise self.error(f"{UNSUPPORTED_START[first]} are not supported: {text[:40]!r}")
        if first in INDICATOR_START or text.startswith("- "):
            raise self.error(f"a plain scalar cannot start with {text[:2]!r}: {text[:40]!r}")
        if KEY_SEPARATOR.search(text):
            raise self.error(f"a mapping inside a value on one line is not supported: {text[:40]!r}")
        return resolve_plain(text)

    def quoted(self, text: str, start: int):
        """The value of the quoted scalar at text[start] and the index after it."""
        quote, index, out = text[start], start + 1, []
        while index < len(text):
            char = text[index]
            if char == quote and quote == "'" and text[index + 1:index + 2] == "'":
                out.append("'")
                index += 2
            elif char == quote:
                return "".join(out), index + 1
            elif char == "\\" and quote == '"':
                escaped, index = self.escape(text, index)
                out.append(escaped)
            else:
                out.append(char)
                index += 1
        raise self.error(f"a quoted scalar that does not end on its line "
                         f"(multi-line scalars are not supported): {text[:40]!r}")

    def escape(self, text: str, index: int) -> tuple[str, int]:
        """The character of the escape at text[index] (a backslash) and the index after it."""
        kind = text[index + 1:index + 2]
        if kind in HEX_ESCAPE_LENGTH:
            digits = text[index + 2:index + 2 + HEX_ESCAPE_LENGTH[kind]]
            if len(digits) != HEX_ESCAPE_LENGTH[kind] or not re.fullmatch("[0-9a-fA-F]+", digits):
                raise self.error(f"a bad \\{kind} escape in {text[:40]!r}")
            return chr(int(digits, 16)), index + 2 + len(digits)
        if kind not in DOUBLE_QUOTED_ESCAPES:
            raise self.error(f"an unknown escape \\{kind} in {text[:40]!r}")
        return DOUBLE_QUOTED_ESCAPES[kind], index + 2

    def flow_sequence(self, text: str, start: int):
        """The list of the flow sequence at text[start] ("[") and the index after it."""
        items, index, want_item = [], start + 1, True
        while index < len(text):
            char = text[index]
            if char == " ":
                index += 1
            elif char == "]":
                if want_item and items:
                    raise self.error(f"an empty entry in a flow sequence: {text[:60]!r}")
                return items, index + 1
            elif char == ",":
                if want_item:
                    raise self.error(f"an empty entry in a flow sequence: {text[:60]!r}")
                want_item, index = True, index + 1
            elif char in "{}":
                raise self.error(f"flow mappings are not supported: {text[:60]!r}")
            elif not want_item:
                raise self.error(f"a missing comma in a flow sequence: {text[:60]!r}")
            else:
                if char == "[":
                    value, index = self.flow_sequence(text, index)
                elif char in "'\"":
                    value, index = self.quoted(text, index)
                else:
                    end = index
                    while end < len(text) and text[end] not in ",[]{}":
                        end += 1
                    value, index = self.plain(text[index:end].strip()), end
                items.append(value)
                want_item = False
        raise self.error(f"a flow sequence that does not end on its line: {text[:60]!r}")
