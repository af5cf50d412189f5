"""HTML pages → blocks (BeautifulSoup with the lxml parser).

Many councils publish their plan or annual report as a web page. The page's own structure is
kept: ``<h1>``–``<h6>`` are headings of that level, ``<p>`` paragraphs, ``<li>`` bullets and
``<table>`` tables (one row per ``<tr>``, cells from ``<th>``/``<td>``). Site furniture
(``<nav>``, ``<header>``, ``<footer>``, ``<aside>``, scripts, styles, forms) is dropped, and
when the page marks its content with ``<main>`` or a single ``<article>`` only that is read.
"""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag

from pipeline.ingest.markup import BlockBuilder
from pipeline.ingest.text import decode
from pipeline.model import Block

SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
        "button", "svg", "iframe", "head", "select", "input"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}
PARAGRAPHS = {"p", "dt", "dd", "figcaption", "pre", "address", "caption", "summary", "blockquote"}
LISTS = {"ul", "ol", "dl", "menu"}
CONTAINERS = {"div", "section", "article", "main", "body", "html", "figure", "details",
              "fieldset", "center", "span"}


def _text(node: PageElement) -> str:
    return node.get_text(" ", strip=True) if isinstance(node, Tag) else str(node)


class _Walker:
    def __init__(self) -> None:
        self.out = BlockBuilder()
        self.inline: list[str] = []

    def flush(self) -> None:
        if self.inline:
            self.out.paragraph(" ".join(self.inline))
            self.inline = []

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString and child.strip():  # not comments, CDATA
                    self.inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in SKIP or child.get("hidden") is not None or \
                    child.get("aria-hidden") == "true":
                continue
            if name in HEADINGS:
                self.flush()
                self.out.heading(_text(child), HEADINGS[name])
            elif name == "table":
                self.flush()
                self.table(child)
            elif name == "li":
                self.flush()
                self.list_item(child)
            elif name in LISTS:
                self.flush()
                self.walk(child)
            elif name in PARAGRAPHS:
                self.flush()
                if child.find(list(HEADINGS) + ["table", "ul", "ol", "p"]):
                    self.walk(child)  # a wrapper that holds blocks of its own
                    self.flush()
                else:
                    self.out.paragraph(_text(child))
            elif name in CONTAINERS and child.find(
                    list(HEADINGS) + ["p", "li", "table", "div", "section"]):
                self.flush()
                self.walk(child)
                self.flush()
            elif name == "br":
                self.flush()
            else:  # inline (a, strong, em, span with text only, ...): part of the running text
                text = _text(child)
                if text:
                    self.inline.append(text)

    def list_item(self, li: Tag) -> None:
        """The item's own text is a bullet; lists and tables nested in it follow it."""
        own: list[str] = []
        nested: list[Tag] = []
        for child in li.children:
            if isinstance(child, Tag) and child.name.lower() in (*LISTS, "table"):
                nested.append(child)
            elif isinstance(child, Tag) and child.name.lower() in SKIP:
                continue
            else:
                text = _text(child)
                if text.strip():
                    own.append(text)
        self.out.bullet(" ".join(own))
        for child in nested:
            if child.name.lower() == "table":
                self.table(child)
            else:
                self.walk(child)

    def table(self, table: Tag) -> None:
        rows = []
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue  # a row of a nested table
            rows.append([_text(cell) for cell in tr.find_all(["th", "td"], recursive=False)])
        self.out.table(rows)


def blocks_from_html(html: str) -> list[Block]:
    """Blocks of an HTML document (see the module docstring)."""
    soup = BeautifulSoup(html, "lxml")
    root: Tag | None = soup.find("main")
    if root is None:
        articles = soup.find_all("article")
        root = articles[0] if len(articles) == 1 else (soup.body or soup)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    return walker.out.finish()


def read_html(path: Path) -> tuple[list[Block], list[str]]:
    """Blocks of an HTML file and warnings (e.g. an encoding fallback)."""
    text, warnings = decode(Path(path).read_bytes())
    return blocks_from_html(text), warnings
