"""GeoReport v2 response bodies in both formats the spec names: XML (required) and JSON, always UTF-8."""

from __future__ import annotations

import json
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# XML element name of one item in each list the spec defines; JSON keeps the lists as arrays.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: Element, tag: str, value) -> None:
    element = SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, list | tuple):
        child_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            _fill(element, child_tag, item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    """``data`` (a list of items, or a dict) under the ``root`` element, with the XML declaration the spec asks for."""
    container = Element(root)
    if isinstance(data, list | tuple):
        item_tag = ITEM_TAGS[root]
        for item in data:
            _fill(container, item_tag, item)
    else:
        for key, value in data.items():
            _fill(container, key, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(container, encoding="utf-8", xml_declaration=False)


def respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """An Open311 response: JSON is the bare list or object, XML wraps it in ``root``."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error list: one ``{code, description}`` per problem, with the HTTP status as the code."""
    return respond(fmt, "errors", [{"code": status, "description": text} for text in descriptions], status=status)
