"""Every message the code can show has a Vietnamese translation with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, get_translator, normalize_language, translate

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None}


def source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "jobs"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def catalog(language: str) -> dict[str, str]:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and not m.fuzzy}


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_source_has_messages() -> None:
    assert len(source_messages()) > 20


def test_every_message_has_a_vietnamese_translation() -> None:
    vi = catalog("vi")
    missing = sorted(m for m in source_messages() if not vi.get(m))
    assert not missing, "untranslated into Vietnamese:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_translations_keep_placeholders(language: str) -> None:
    for message_id, text in catalog(language).items():
        if text:
            assert fields(text) == fields(message_id), message_id


def test_vietnamese_is_the_default_and_english_falls_back_to_the_id() -> None:
    assert normalize_language(None) == "vi"
    assert normalize_language("en-US") == "en"
    assert normalize_language("fr") == "vi"
    assert get_translator("en")("Language set to English.") == "Language set to English."
    assert get_translator("vi")("Language set to English.") != "Language set to English."
    assert "{" not in translate("vi", "Unknown council code: {code}", code="X")
