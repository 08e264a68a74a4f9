"""XML helpers shared by the PubMed and EndNote XML readers (lxml)."""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from metareview.errors import ImportFormatError

__all__ = ["flatten", "parse_xml", "text_of"]

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_xml(text: str, *, file: str, expected: str) -> etree._Element:
    """Parse XML text safely (no DTD loading, no network, no entity expansion).

    Raises
    ------
    ImportFormatError
        With the line lxml reports when the XML is not well formed.
    """
    body = _DECLARATION.sub("", text, count=1)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, recover=False
    )
    try:
        return etree.fromstring(body.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise ImportFormatError(
            f"the XML is not well formed: {exc.msg}",
            file=file,
            line=line,
            hint=f"expected a complete {expected} file; export it again",
        ) from None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def text_of(element: etree._Element | None) -> str | None:
    """All text inside *element* (markup such as MathML or ``<style>`` flattened)."""
    if element is None:
        return None
    text = "".join(element.itertext())
    text = " ".join(text.split()) if "\n" in text else text.strip()
    return text or None


def flatten(element: etree._Element, *, skip: frozenset[str] = frozenset({"style"})):
    """Every text-bearing descendant as ``path -> [texts]`` (paths relative to *element*).

    An element with its own text or with mixed content is a leaf (its whole text, markup
    flattened); wrapper elements named in *skip* (EndNote's ``<style>``) add nothing to the
    path. Attributes are kept as ``path@name``.
    """
    out: dict[str, list[str]] = defaultdict(list)
    stack: list[tuple[etree._Element, str]] = [(element, "")]
    while stack:
        el, path = stack.pop()
        if el.attrib:
            for name, value in el.attrib.items():
                out[f"{path}@{_local(name)}"].append(value)
        children = [c for c in el if isinstance(c.tag, str)]
        if not children:
            text = el.text
            if text and (text := " ".join(text.split()) if "\n" in text else text.strip()):
                out[path].append(text)
            continue
        if (el.text or "").strip() or any((c.tail or "").strip() for c in children):
            value = text_of(el)  # mixed content: one leaf, markup flattened
            if value:
                out[path].append(value)
            continue
        for child in reversed(children):
            tag = child.tag
            name = tag if "}" not in tag else tag.rsplit("}", 1)[-1]
            stack.append((child, path if name in skip else f"{path}/{name}" if path else name))
    out.pop("", None)
    return dict(out)
