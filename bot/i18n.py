"""Gettext catalogs (Babel .po files under ``bot/locales``), Vietnamese first.

Message ids are English; the Vietnamese catalog must translate every one of them
(a test enforces it) and English falls back to the id itself. Catalogs are read from
the .po sources at start-up, so there is no compiled file to forget to rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a message id for extraction without translating it yet."""
    return message


def normalize_language(code: str | None) -> str:
    """``"en-US"`` → ``"en"``; anything unknown → Vietnamese."""
    if code:
        base = code.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> dict[str, str]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.string, str) and message.string and not message.fuzzy
    }


def get_translator(language: str | None) -> Gettext:
    """The ``_`` function for one language."""
    table = _catalog(normalize_language(language))

    def _(message: str) -> str:
        return table.get(message, message)

    return _


def translate(language: str | None, message: str, **params: object) -> str:
    """Translate a message id marked elsewhere with ``N_`` and fill its ``{named}`` fields."""
    text = get_translator(language)(message)
    return text.format(**params) if params else text
