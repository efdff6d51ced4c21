"""One way to build an inline keyboard: pure rows in, python-telegram-bot markup out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.domain.buttons import PetitionButton, PetitionStep
from bot.domain.keyboards import Button, UrlButton, WebAppButton, callback_button, in_rows
from bot.messages.keyboards import inline_markup, inline_markup_or_none

ROOT = Path(__file__).resolve().parents[2]


def test_each_kind_of_button_becomes_the_markup_telegram_expects() -> None:
    rows = [
        [Button("Đã nhận", "bc:ack:7"), UrlButton("Cổng thông tin", "https://example.org/a")],
        [WebAppButton("📋 Lịch công tác", "https://bot.example.org/app")],
    ]
    built = inline_markup(rows)
    by_hand = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Đã nhận", callback_data="bc:ack:7"),
                InlineKeyboardButton("Cổng thông tin", url="https://example.org/a"),
            ],
            [
                InlineKeyboardButton(
                    "📋 Lịch công tác", web_app=WebAppInfo(url="https://bot.example.org/app")
                )
            ],
        ]
    )
    assert built == by_hand
    assert built.to_json() == by_hand.to_json()
    assert built.to_dict() == {
        "inline_keyboard": [
            [
                {"text": "Đã nhận", "callback_data": "bc:ack:7"},
                {"text": "Cổng thông tin", "url": "https://example.org/a"},
            ],
            [{"text": "📋 Lịch công tác", "web_app": {"url": "https://bot.example.org/app"}}],
        ]
    }


def test_no_rows_is_an_empty_keyboard_or_none() -> None:
    assert inline_markup([]).inline_keyboard == ()
    assert inline_markup_or_none(()) is None
    assert inline_markup_or_none([[Button("A", "a")]]) == inline_markup([[Button("A", "a")]])


def test_a_typed_callback_is_encoded_as_the_codec_writes_it() -> None:
    button = callback_button("Để sau", PetitionButton(PetitionStep.later, 12))
    assert button == Button("Để sau", "pt:l:12")


@pytest.mark.parametrize(
    ("count", "shape"), [(0, []), (1, [1]), (2, [2]), (3, [2, 1]), (5, [2, 2, 1])]
)
def test_buttons_in_rows_of_two(count: int, shape: list[int]) -> None:
    buttons = [Button(str(n), f"x:{n}") for n in range(count)]
    rows = in_rows(buttons, 2)
    assert [len(row) for row in rows] == shape
    assert [b for row in rows for b in row] == buttons


def test_anything_else_is_refused() -> None:
    with pytest.raises(TypeError):
        inline_markup([[("A", "a")]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="per_row"):
        in_rows([Button("A", "a")], 0)


# The one module that turns keyboard descriptions into python-telegram-bot's buttons.
BUILDER = "bot/messages/keyboards.py"
TELEGRAM_BUTTON = "InlineKeyboardButton"


def _names_telegram_buttons(source: str) -> bool:
    """Whether ``source`` reaches ``InlineKeyboardButton`` in any spelling: imported
    (under its name or another), as an attribute (``telegram.InlineKeyboardButton``,
    ``tg.InlineKeyboardButton``), as a bare name or as a string (``getattr``)."""
    for node in ast.walk(ast.parse(source)):
        match node:
            case ast.ImportFrom(names=names) if any(a.name == TELEGRAM_BUTTON for a in names):
                return True
            case ast.Attribute(attr=str(attr)) if attr == TELEGRAM_BUTTON:
                return True
            case ast.Name(id=str(name)) if name == TELEGRAM_BUTTON:
                return True
            case ast.Constant(value=str(value)) if value == TELEGRAM_BUTTON:
                return True
    return False


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from telegram import InlineKeyboardButton\nInlineKeyboardButton('a')", True),
        ("from telegram import InlineKeyboardButton as B\nB('a', callback_data='x')", True),
        ("import telegram\ntelegram.InlineKeyboardButton('a', url='u')", True),
        ("import telegram as tg\nmake = tg.InlineKeyboardButton", True),
        ("import telegram\ngetattr(telegram, 'InlineKeyboardButton')('a')", True),
        ("from bot.domain.keyboards import Button\nButton('a', 'x')", False),
        ("from telegram import InlineKeyboardMarkup\nInlineKeyboardMarkup([])", False),
    ],
)
def test_the_guard_sees_every_spelling_of_a_telegram_button(source: str, caught: bool) -> None:
    assert _names_telegram_buttons(source) is caught


def test_only_the_builder_makes_telegram_buttons() -> None:
    files = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])
    builders = {
        str(p.relative_to(ROOT))
        for p in files
        if _names_telegram_buttons(p.read_text(encoding="utf-8"))
    }
    assert BUILDER in builders  # the check sees the builder's own buttons
    assert builders == {BUILDER}, "describe buttons with bot.domain.keyboards"


def test_a_callback_button_is_not_a_link_with_the_same_strings() -> None:
    assert Button("a", "b") != UrlButton("a", "b")  # type: ignore[comparison-overlap]
    assert UrlButton("a", "b") != WebAppButton("a", "b")  # type: ignore[comparison-overlap]
    assert Button("a", "b") != ("a", "b")  # type: ignore[comparison-overlap]
    assert Button("a", "b") == Button("a", "b")
    assert len({Button("a", "b"), Button("a", "b"), UrlButton("a", "b")}) == 2


def test_buttons_are_imported_from_one_place() -> None:
    """``bot.domain.keyboards`` defines the buttons; no module re-exports them."""
    import bot.services.outbox.rows as rows

    assert not hasattr(rows, "Button")
    files = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])
    elsewhere = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module != "bot.domain.keyboards"
                and any(a.name in {"Button", "UrlButton", "WebAppButton"} for a in node.names)
            ):
                elsewhere.add(str(path.relative_to(ROOT)))
    assert elsewhere == set()
