"""Write the results document as results.json."""

import json
import re

from runner import results_schema

# A Python string decoded from JSON can hold a lone surrogate ("\ud800"),
# which UTF-8 cannot encode; inside a JSON string it can stay an escape.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def render(doc):
    """The document as JSON text, keys in the order given, one trailing newline."""
    results_schema.require_valid(doc)
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    return LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


def write(doc, path):
    """Validate `doc` and write it to `path`; ValueError if it is not valid."""
    text = render(doc)
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
