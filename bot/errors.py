"""Refusals a person can act on, shared by every entry point (the CLI and the runtime).

They live here, below both, so that ``bot/runner.py`` can refuse a rejected token with
exit code 1 without importing the command line (which imports the runner to start it).
Errors carry an English message id (``N_``) and its fields, and are translated once, at
the edge, in the language the person chose.
"""

from __future__ import annotations

from typing import ClassVar

from bot.i18n import Gettext

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A refusal the clerk can act on: an English message id (``N_``) and its fields."""

    exit_code: ClassVar[int] = EXIT_BAD_INPUT

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def text(self, _: Gettext) -> str:
        try:
            return _(self.message).format(**self.params)
        except (KeyError, IndexError, ValueError):
            return str(self)


class BadInputError(CommandError):
    """Input the command refuses: exit 1, nothing written."""


class UsageError(CommandError):
    """Options that contradict each other: exit 2."""

    exit_code = EXIT_USAGE
