"""Telegram's text rules: the HTML parse mode and lengths in UTF-16 code units.

Telegram counts text length *after* entity parsing (``<b>x</b>`` is one character) and
in UTF-16 code units (an emoji outside the Basic Multilingual Plane counts as two).
:func:`format_text` turns what a bot sent (text + ``parse_mode`` or ``entities``) into
the visible text and its entities, refusing the HTML that Telegram refuses.

The HTML rules (from the Bot API "Formatting options" section):

* supported tags: ``b strong i em u ins s strike del tg-spoiler`` ``span
  class="tg-spoiler"`` ``a href`` ``tg-emoji emoji-id`` ``tg-time unix [format]`` ``code``
  ``pre`` (``<pre><code class="language-x">`` sets the language) ``blockquote
  [expandable]``; every other tag is refused, and tags must be balanced and properly nested;
* every ``<`` that does not start a tag must be written ``&lt;``;
* only the named entities ``&lt; &gt; &amp; &quot;`` and numeric entities are supported.
  Real Telegram leaves an unknown ``&name;`` as it is; the fake refuses it, because it
  nearly always means a user-supplied string was not escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# tag -> MessageEntity type (tags that need attributes are refined in the parser)
TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}

_ENTITY_LIKE = re.compile(r"&[A-Za-z#][A-Za-z0-9]*;?")

PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})


class EntityParseError(ValueError):
    """Telegram would answer ``Bad Request: can't parse entities: <reason>``."""


class UnsupportedParseModeError(ValueError):
    """Telegram would answer ``Bad Request: unsupported parse_mode``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's limits and offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True, slots=True)
class FormattedText:
    """Visible text and its MessageEntity dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        """The length Telegram checks against its limits."""
        return utf16_len(self.text)


@dataclass(slots=True)
class _OpenTag:
    tag: str
    offset: int
    attrs: dict[str, str | None]
    language: str | None = None


class _TelegramHtmlParser(HTMLParser):
    """Feeds the source through :class:`html.parser.HTMLParser` with Telegram's rules."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._parts: list[str] = []
        self._position = 0  # UTF-16 offset of the next visible character
        self._open: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    # -- result -------------------------------------------------------------------------

    def parse(self) -> FormattedText:
        self.feed(self._source)
        # HTMLParser.close() silently drops an "&" that starts an unfinished entity at the
        # very end ("R&D"), so check the unparsed tail first
        if match := _ENTITY_LIKE.match(self.rawdata):
            raise self._error(f'Unsupported HTML entity "{match[0]}": escape "&" as "&amp;"')
        self.close()
        if self._open:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self._open[-1].tag}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return FormattedText("".join(self._parts), self.entities)

    # -- helpers ------------------------------------------------------------------------

    def _byte_offset(self, extra_chars: int = 0) -> int:
        line, column = self.getpos()
        char_offset = self._line_starts[line - 1] + column + extra_chars
        return len(self._source[:char_offset].encode("utf-8", "surrogatepass"))

    def _error(self, reason: str, extra_chars: int = 0) -> EntityParseError:
        return EntityParseError(f"{reason} at byte offset {self._byte_offset(extra_chars)}")

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._position += utf16_len(text)

    # -- HTMLParser callbacks -----------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAG_ENTITY_TYPES:
            raise self._error(f'Unsupported start tag "{tag}"')
        attributes = dict(attrs)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self._error('Tag "span" must have class "tg-spoiler"')
        if tag == "tg-emoji" and not attributes.get("emoji-id"):
            raise self._error('Tag "tg-emoji" must have attribute "emoji-id"')
        if tag == "tg-time" and not (attributes.get("unix") or "").isdigit():
            raise self._error('Tag "tg-time" must have an integer attribute "unix"')
        self._open.append(_OpenTag(tag, self._position, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._error(f'Unsupported self-closing tag "<{tag}/>"')

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            raise self._error(f'Unexpected end tag "</{tag}>"')
        top = self._open.pop()
        if top.tag != tag:
            raise self._error(f'Unmatched end tag "</{tag}>", expected "</{top.tag}>"')
        self._emit(top)

    def handle_data(self, data: str) -> None:
        if (index := data.find("<")) >= 0:
            raise self._error('Unexpected "<": escape it as "&lt;"', extra_chars=index)
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise self._error(f'Unsupported HTML entity "&{name}": escape "&" as "&amp;"')
        self._append(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code_point = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
        except ValueError:
            code_point = -1
        if not (0 < code_point <= 0x10FFFF) or 0xD800 <= code_point <= 0xDFFF:
            raise self._error(f'Invalid numeric HTML entity "&#{name};"')
        self._append(chr(code_point))

    def handle_comment(self, data: str) -> None:
        raise self._error("HTML comments are not supported")

    def handle_decl(self, decl: str) -> None:
        raise self._error("HTML declarations are not supported")

    def handle_pi(self, data: str) -> None:
        raise self._error("HTML processing instructions are not supported")

    def unknown_decl(self, data: str) -> None:
        raise self._error("HTML declarations are not supported")

    # -- entities -----------------------------------------------------------------------

    def _emit(self, tag: _OpenTag) -> None:
        parent = self._open[-1] if self._open else None
        if tag.tag == "code" and parent is not None and parent.tag == "pre":
            # <pre><code class="language-x"> is one pre entity with a language
            css_class = tag.attrs.get("class") or ""
            if css_class.startswith("language-"):
                parent.language = css_class.removeprefix("language-")
            return
        length = self._position - tag.offset
        if length == 0:
            return
        entity: dict[str, Any] = {
            "type": TAG_ENTITY_TYPES[tag.tag],
            "offset": tag.offset,
            "length": length,
        }
        if tag.tag == "a":
            entity["url"] = tag.attrs.get("href") or ""
        elif tag.tag == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.tag == "tg-time":
            entity["unix_time"] = int(tag.attrs["unix"] or 0)
            if tag.attrs.get("format"):
                entity["date_time_format"] = tag.attrs["format"]
        elif tag.tag == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.tag == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def parse_html(source: str) -> FormattedText:
    """Parse Telegram-flavoured HTML; :class:`EntityParseError` when Telegram would refuse it."""
    return _TelegramHtmlParser(source).parse()


def _trim(formatted: FormattedText) -> FormattedText:
    """Drop leading and trailing whitespace, as Telegram does, keeping entities aligned."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(stripped, entities)


def format_text(
    source: str, parse_mode: str | None = None, entities: list[dict[str, Any]] | None = None
) -> FormattedText:
    """What Telegram shows for ``source`` sent with ``parse_mode`` or explicit ``entities``.

    ``HTML`` is parsed and validated; ``Markdown``/``MarkdownV2`` are accepted but not
    parsed (the text is counted as sent); explicit ``entities`` are kept as given.
    Leading and trailing whitespace is dropped, as Telegram does.
    """
    if parse_mode:
        mode = parse_mode.lower()
        if mode not in PARSE_MODES:
            raise UnsupportedParseModeError(parse_mode)
        formatted = parse_html(source) if mode == "html" else FormattedText(source)
    else:
        formatted = FormattedText(source, list(entities or []))
    return _trim(formatted)
