"""Accessibility of the public pages: language, landmarks, one h1 and headings in order, every field labelled, the map
and charts with text alternatives, level badges in the level's own text colour (standards.md §2.5 colours)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/public/", "/public/air/", "/public/air/AQ001/", "/public/water/", "/public/notices/", "/public/data/"]


class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings: list[int] = []
        self.tags: set[str] = set()
        self.labels: set[str] = set()
        self.fields: list[dict] = []
        self.images: list[dict] = []
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {"hidden", "submit"}:
            self.fields.append(attrs)
        if tag == "img" or attrs.get("role") == "img":
            self.images.append(attrs)


@pytest.mark.parametrize("url", PAGES)
def test_page_outline(client, air_world, notices, url):
    outline = Outline()
    outline.feed(client.get(url).content.decode())
    assert outline.html_lang == "zh-hans"
    assert {"header", "nav", "main", "footer"} <= outline.tags
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, outline.headings  # no level skipped on the way down
    for field in outline.fields:
        assert field.get("id") in outline.labels or field.get("aria-label"), field
    for image in outline.images:
        assert image.get("alt") or image.get("aria-label"), image


def test_level_badges_use_the_level_text_colour(client, air_world):
    body = client.get("/public/").content.decode()
    assert "background:#FF7E00;color:#212529" in body  # orange (III) carries dark text
    assert "background:#FF0000;color:#ffffff" in body  # red (IV, AQ002 at 160) carries white text
