"""Read a web page's main content, keeping its block structure and headings, without its chrome.

Navigation, `header`, `footer`, scripts, forms and cookie banners are dropped wherever they sit.
The main content is what the page itself marks as such (`<main>`, `role="main"`, its one
`<article>`); a page that marks none goes to trafilatura (Apache-2.0), which finds the main
content by its text density and drops link lists and `aside` panels. Either way the content is
laid out one block a line: each paragraph, list item, `dd`, `pre` and table row (cells joined by
" | ") on its own line, so a table of contents or a definition list is never merged into one
paragraph. An `aside` inside the main content (a note, an abstract) is content; outside, chrome.
Headings keep their level; a `dt` is the innermost heading of the `dd` under it, so its term is
that passage's context. Title, date and publisher come from the page's meta tags (Open Graph,
Dublin Core, `article:published_time`, `<title>`), never guessed from the text.

Does not run scripts or fetch anything.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.dates import iso_prefix
from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted, TextBuilder

_TERM_LEVEL = 7  # below h6: a term nests under every heading
_ANCHOR_MARKS = "¶#§"  # Sphinx-style permalink characters at the end of a heading
_TITLE_META = ("og:title", "dc.title", "dcterms.title", "twitter:title", "title")
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.created",
    "dcterms.issued",
    "citation_publication_date",
    "publication_date",
    "datepublished",
)
_PUBLISHER_META = ("og:site_name", "publisher", "dc.publisher", "dcterms.publisher", "citation_publisher")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEAVES = frozenset("p li dd pre caption figcaption address".split())
_CONTAINERS = frozenset(
    "div section article main aside blockquote ul ol dl table thead tbody tfoot figure details"
    " center form fieldset".split()
)
# Where a page may write text straight beside blocks, as an old hand-written page does.
_LOOSE_TEXT_PARENTS = (
    "body div section article main aside blockquote center figure details td th li dd form".split()
)
_CHROME_TAGS = frozenset("script style noscript template nav header footer button svg iframe".split())
_CHROME_ROLES = frozenset("navigation banner contentinfo search".split())
_COOKIE = re.compile(r"cookie|consent|gdpr")


def read_html(raw: str, encoding: str, kind: str = "html") -> Extracted:
    """The main content's blocks, with heading levels and the page's own metadata; `kind` names
    what the file was (a Markdown file is read as the page it renders to)."""
    builder = TextBuilder()
    tree = _parse(raw)
    main = _landmark(tree) if tree is not None else None
    if main is not None:
        _blocks(main, builder)
    elif not _trafilatura(raw if tree is None else _copy_for_trafilatura(tree), builder) and tree is not None:
        body = tree.find("body")
        _blocks(body if body is not None else tree, builder)  # nothing found: every visible block
    return builder.build(f"{kind} ({encoding})", _meta(tree))


def _parse(raw: str) -> Any:
    from lxml import html as lxml_html

    try:
        # Bytes (a str with an XML declaration is refused), said to be the UTF-8 they are: left to
        # guess, lxml reads a page without a charset tag as Latin-1 ("£" becomes "Â£"). A text
        # run over 10 MB is kept, not silently dropped (the file size limit bounds it).
        parser = lxml_html.HTMLParser(encoding="utf-8", huge_tree=True)
        tree = lxml_html.document_fromstring(raw.encode("utf-8"), parser=parser)
    except Exception:  # noqa: BLE001 - a page lxml cannot parse goes to trafilatura alone
        return None
    for element in list(tree.iter()):
        if element.getparent() is not None and _is_chrome(element):
            element.drop_tree()
    for line_break in tree.iter("br"):
        # A line break is a space between words ("nine.<br>It" reads "nine. It", not "nine.It").
        line_break.tail = "\n" + (line_break.tail or "")
    return tree


def _is_chrome(element: Any) -> bool:
    """Scripts, navigation, banners and cookie notices: never content, wherever they sit."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if not tag or tag in _CHROME_TAGS:
        return bool(tag)
    if (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    return bool(_COOKIE.search(f"{element.get('id') or ''} {element.get('class') or ''}".lower()))


def _landmark(tree: Any) -> Any:
    """The element the page itself marks as its main content (`main`, `role="main"`, one `article`)."""
    for path in ("//main", "//*[@role='main']"):
        found = tree.xpath(path)
        if found:
            return found[0]
    articles = tree.xpath("//article")
    return articles[0] if len(articles) == 1 else None


def _copy_for_trafilatura(tree: Any) -> Any:
    """trafilatura prunes the tree it is given; the fallback still needs the page. The copy has
    its loose text in paragraphs (`_wrap_loose_text`)."""
    from copy import deepcopy

    copied = deepcopy(tree)
    for parent in list(copied.iter(*_LOOSE_TEXT_PARENTS)):
        _wrap_loose_text(parent)
    return copied


def _wrap_loose_text(parent: Any) -> None:
    """Put each run of text and inline elements between `parent`'s blocks in a `<p>` of its own.

    A browser shows text written straight into `<body>` or a `<div>` beside blocks as paragraphs
    (an old hand-written page's prose often is), but trafilatura reads only text inside blocks
    and would drop it. Comments between the runs go; their trailing text stays in its run.
    """
    from lxml import etree

    if not any(_is_block(child) for child in parent):
        return
    laid_out: list[Any] = []
    run_text: str = parent.text or ""
    run: list[Any] = []

    def close_run() -> None:
        text = run_text + "".join(e.text_content() + (e.tail or "") for e in run)
        if not text.strip():
            laid_out.extend(run)
            return
        paragraph = etree.Element("p")
        paragraph.text = run_text
        paragraph.extend(run)
        laid_out.append(paragraph)

    for child in list(parent):
        if not isinstance(child.tag, str):  # a comment: its text never shows, its tail does
            if run:
                run[-1].tail = (run[-1].tail or "") + (child.tail or "")
            else:
                run_text += child.tail or ""
        elif _is_block(child) or child.tag in ("br", "hr"):
            close_run()
            run_text, run = child.tail or "", []
            child.tail = None
            laid_out.append(child)
        else:
            run.append(child)
    close_run()
    parent.text = None
    for child in list(parent):
        parent.remove(child)
    parent.extend(laid_out)


def _trafilatura(raw: Any, builder: TextBuilder) -> bool:
    """Lay out what trafilatura finds as the main content of `raw` (the page, or its tree with the
    chrome already dropped); False when it finds none."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        raw,
        output_format="xml",
        include_tables=True,
        include_formatting=False,
        include_links=False,
        include_comments=False,
        include_images=False,
        favor_recall=True,
        with_metadata=False,
        deduplicate=False,
    )
    if not xml:
        return False
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    main = root.find("main")
    _walk(main if main is not None else root, builder)
    return True


def _blocks(element: Any, builder: TextBuilder) -> None:
    """Lay out an HTML element: each leaf block (p, li, dt, dd, tr, pre, heading) a line."""
    inline: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _HEADINGS or tag in _LEAVES or tag in _CONTAINERS or tag in ("tr", "dt", "br"):
            builder.add("".join(inline))
            inline = []
            _block(child, tag, builder)
        elif tag:
            inline.append(child.text_content())
        inline.append(child.tail or "")
    builder.add("".join(inline))


def _block(element: Any, tag: str, builder: TextBuilder) -> None:
    if tag in _HEADINGS:
        builder.add(element.text_content().rstrip().rstrip(_ANCHOR_MARKS), heading=_HEADINGS[tag])
    elif tag == "tr":
        cells = [" ".join(c.text_content().split()) for c in element if c.tag in ("td", "th")]
        builder.add(" | ".join(cell for cell in cells if cell))
    elif tag == "dt":
        builder.add(element.text_content(), heading=_TERM_LEVEL)
    elif tag in _LEAVES and not any(_is_block(child) for child in element):
        builder.add(element.text_content())
    elif tag != "br":
        _blocks(element, builder)


def _is_block(element: Any) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag in _CONTAINERS or tag in _LEAVES or tag in _HEADINGS or tag in ("tr", "dt")


def _walk(element: Any, builder: TextBuilder) -> None:
    for child in element:
        tag = child.tag
        if tag == "head":
            builder.add(_text(child).rstrip(_ANCHOR_MARKS).rstrip(), heading=_level(child.get("rend")))
        elif tag == "table":
            for row in child.iter("row"):
                cells = [_text(cell) for cell in row if cell.tag == "cell"]
                builder.add(" | ".join(cell for cell in cells if cell))
        elif tag == "list":
            _list(child, builder)
        elif tag in ("quote", "div", "main", "doc"):
            _walk(child, builder)
        else:  # p, code, lb-separated text and anything trafilatura adds later
            builder.add(_text(child))


def _level(rend: str | None) -> int:
    """Example: "h3" -> 3; a heading trafilatura could not place -> 2."""
    match = re.fullmatch(r"h([1-6])", rend or "")
    return int(match.group(1)) if match else 2


def _list(element: Any, builder: TextBuilder) -> None:
    for item in element:
        if item.tag != "item":
            continue
        rend = item.get("rend") or ""
        if rend.startswith("dt"):
            builder.add(_text(item), heading=_TERM_LEVEL)
            continue
        nested = [child for child in item if child.tag in ("list", "p", "quote", "table")]
        if nested:
            if (item.text or "").strip():
                builder.add(item.text or "")
            _walk(item, builder)
        else:
            builder.add(_text(item))


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def _meta(tree: Any) -> DocumentMeta:
    """Title, date and publisher from `<meta>` tags and `<title>`; empty when the page has none."""
    if tree is None:
        return DocumentMeta()
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = " ".join((meta.get("content") or "").split())
        if key and value:
            found.setdefault(key, value)
    title_tag = tree.find(".//title")
    title = next((found[k] for k in _TITLE_META if k in found), "")
    if not title and title_tag is not None:
        title = " ".join((title_tag.text_content() or "").split())
    return DocumentMeta(
        title=title,
        publisher=next((found[k] for k in _PUBLISHER_META if k in found), ""),
        date=next((d for d in (iso_prefix(found[k]) for k in _DATE_META if k in found) if d), ""),
    )
