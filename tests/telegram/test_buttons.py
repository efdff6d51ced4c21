"""Every button the bot can issue reaches a handler."""

from __future__ import annotations


def test_every_button_type_has_one_handler() -> None:
    """A registered button without a handler would only ever be answered "expired"."""
    from bot.domain.callbacks import registered
    from bot.telegram.app import BUTTONS

    handled = [data_type for data_type, _handler in BUTTONS]
    assert sorted(t.__name__ for t in handled) == sorted(t.__name__ for t in registered().values())
