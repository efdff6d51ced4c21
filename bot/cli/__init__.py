"""Command line: ``delegate-bot`` and ``python -m bot``.

Exit codes: 0 success, 1 bad input (clear message, nothing written), 2 usage error.

One module per command group, each with ``register(commands)``; a new group is one
import and one entry in :data:`GROUPS` (its order is the order of ``--help``). The CLI
speaks Vietnamese unless ``--lang en`` or ``CLI_LANG=en`` asks for English; it never
follows the system locale.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import calendar, delegates, demo, petitions, reports, run, schedule, stats
from bot.cli.common import Context, Handler, load_settings
from bot.cli.parsing import Commands, Parser, add_language_option, choose_language
from bot.errors import EXIT_OK, CommandError, UsageError
from bot.i18n import DEFAULT_LANGUAGE, get_translator
from bot.logging_setup import configure_logging

__all__ = ["GROUPS", "build_parser", "main"]

GROUPS = (run, delegates, calendar, schedule, reports, petitions, stats, demo)


def build_parser(language: str = DEFAULT_LANGUAGE) -> argparse.ArgumentParser:
    """The whole command line, every help text in ``language``."""
    _ = get_translator(language)
    parser = Parser(
        prog="delegate-bot",
        description=_(
            "Telegram bot that reminds People's Council (HĐND) delegates of their duties. "
            "Configuration comes from the environment or a .env file (see .env.example)."
        ),
        gettext=_,
    )
    add_language_option(parser)
    commands = Commands(parser)
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    language = choose_language(arguments, os.environ)
    args = build_parser(language).parse_args(arguments)
    language = args.lang or language
    _ = get_translator(language)
    settings = load_settings(_)
    configure_logging(settings.LOG_LEVEL)
    handler: Handler = args.handler
    try:
        return handler(Context(settings=settings, language=language, gettext=_), args)
    except UsageError as error:  # options that contradict each other: as argparse says it
        parser: Parser = args.command_parser
        return parser.usage_error(error.text(_))
    except CommandError as error:
        print(error.text(_), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_OK
