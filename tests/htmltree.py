"""A small HTML tree for tests (stdlib html.parser): find elements, read their text and attributes."""

from __future__ import annotations

import json
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    """One element: tag, attributes, children (elements and text), parent."""

    def __init__(self, tag: str, attrs: dict, parent: "Element | None"):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def text(self) -> str:
        """The element's text with whitespace collapsed."""
        return " ".join("".join(self._texts()).split())

    def _texts(self):
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._texts()

    def iter(self):
        """This element and every descendant element, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list["Element"]:
        """Descendants with the tag and attribute values (`class_` for class; value None: present)."""
        out = []
        for el in self.iter():
            if tag and el.tag != tag:
                continue
            if all(_match(el, k.rstrip("_"), v) for k, v in attrs.items()):
                out.append(el)
        return out

    def find(self, tag: str | None = None, **attrs) -> "Element | None":
        """The first matching descendant, or None."""
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def get(self, name: str, default=None):
        """An attribute's value."""
        return self.attrs.get(name, default)

    def ancestors(self):
        """The parent chain, nearest first."""
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


def _match(el: Element, name: str, value) -> bool:
    if name not in el.attrs:
        return False
    if value is None:
        return True
    if name == "class":
        return value in (el.attrs[name] or "").split()
    return el.attrs[name] == value


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(el)
        if tag not in VOID:
            self.current = el

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {k: (v or "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Element:
    """The document tree of an HTML text."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def json_ld(doc: Element) -> list:
    """Every embedded JSON-LD block, parsed."""
    return [json.loads(el.text) for el in doc.find_all("script", type="application/ld+json")]


def links(doc: Element) -> list[tuple[str, str]]:
    """(href, text) of every link."""
    return [(a.get("href"), a.text) for a in doc.find_all("a", href=None)]
