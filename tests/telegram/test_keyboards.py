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


# Modules that still call InlineKeyboardButton themselves. The list may only shrink.
BUILDER = "bot/messages/keyboards.py"


def _builds_buttons(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
        == "InlineKeyboardButton"
        for node in ast.walk(tree)
    )


def test_only_the_builder_makes_telegram_buttons() -> None:
    files = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])
    builders = {str(p.relative_to(ROOT)) for p in files if _builds_buttons(p)}
    assert BUILDER in builders  # the check sees a call when there is one
    assert builders == {BUILDER}, "use bot.messages.keyboards"
