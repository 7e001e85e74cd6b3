"""A small element tree built from HTML with html.parser, for checking pages.

The checks read two kinds of HTML: what the report writers produce, and
what headless Chromium dumps after the page's script ran (--dump-dom). Both
close every element that is not void, so a stack of open elements is
enough; a stray end tag is recorded, not guessed around.
"""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Element | None"):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def text(self) -> str:
        """All the text inside, like the DOM's textContent."""
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def iter(self, tag: str | None = None):
        """This element and every element inside it, in document order."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter(tag)

    def find_all(self, tag: str | None = None, **attrs) -> list["Element"]:
        """Elements inside this one with `tag` whose attributes have the given
        values. Names use _ for - (class_ for class); a value of True only
        asks that the attribute be there, and class_ asks for classes."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        inside = (element for child in self.children if isinstance(child, Element) for element in child.iter(tag))
        return [element for element in inside if all(_has(element, name, value) for name, value in wanted.items())]

    def find(self, tag: str | None = None, **attrs) -> "Element | None":
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, element_id: str) -> "Element | None":
        return self.find(id=element_id)

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()

    @property
    def hidden(self) -> bool:
        """Hidden by the `hidden` attribute, on itself or an ancestor."""
        element = self
        while element is not None:
            if "hidden" in element.attrs:
                return True
            element = element.parent
        return False


def _has(element: Element, name: str, value) -> bool:
    if name not in element.attrs:
        return False
    if value is True:
        return True
    if name == "class":
        return all(element.has_class(wanted) for wanted in value.split())
    return element.attrs[name] == value


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root
        self.stray_end_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.current.tag != tag:
            self.stray_end_tags.append(f"</{tag}> inside <{self.current.tag}>")
            return
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(markup: str) -> Element:
    """The document's root element (tag "#document"); raises ValueError if
    an end tag does not match the element it closes, or one is left open."""
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    if builder.stray_end_tags:
        raise ValueError("the HTML does not nest: " + "; ".join(builder.stray_end_tags[:3]))
    if builder.current is not builder.root:
        raise ValueError(f"the HTML leaves <{builder.current.tag}> open")
    return builder.root
