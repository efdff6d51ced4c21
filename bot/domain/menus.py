"""What a chat's menus should be, from its records: one value for the planner, the
stored outbox row and the sender (``bot/services/menus/``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CommandMenu(StrEnum):
    """A chat's command menu: the delegate's (the default list: the chat has none of its
    own) or the secretariat's (set in the chat's scope, each language)."""

    delegate = "delegate"
    secretary = "secretary"


@dataclass(frozen=True)
class MenuWanted:
    """The menus a chat should have: the office's or a delegate's, in a language.
    :data:`UNLINKED` is a chat with nothing linked (Telegram's defaults)."""

    office: bool
    language: str

    @property
    def linked(self) -> bool:
        return self != UNLINKED

    @property
    def commands(self) -> CommandMenu:
        """The office (a secretary, an admin) has the secretariat's commands."""
        return CommandMenu.secretary if self.office else CommandMenu.delegate

    def stored(self) -> str:
        """As an outbox row stores it: ``office:vi``, ``delegate:en``, ``none``."""
        if not self.linked:
            return NONE
        return f"{'office' if self.office else 'delegate'}:{self.language}"

    @classmethod
    def from_stored(cls, text: str) -> MenuWanted:
        if text == NONE:
            return UNLINKED
        who, _, language = text.partition(":")
        if who not in ("office", "delegate") or not language:
            raise ValueError(f"not a stored menu: {text!r}")
        return cls(office=who == "office", language=language)


NONE = "none"
UNLINKED = MenuWanted(office=False, language="")
