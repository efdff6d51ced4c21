"""The argument parser in the clerk's language.

Every text of ``--help`` and every usage error goes through gettext: our own help
strings are message ids translated when the parser is built, and argparse's built-in
strings (``usage:``, ``options``, ``the following arguments are required``…) are
translated by swapping the ``_``/``ngettext`` functions that the ``argparse`` module
looks up at call time, only while one of our parsers builds, formats or parses.

The language is chosen before parsing (``--lang`` anywhere before ``--``, else
``CLI_LANG``, else Vietnamese) so that ``--help`` and usage errors already speak it.
The system locale (``LANG``) is deliberately ignored.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, NoReturn

from bot.cli.common import Handler
from bot.domain.calendar import parse_exception_date
from bot.domain.tables import InvalidValue
from bot.errors import EXIT_USAGE
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Gettext, normalize_language

LANGUAGE_VARIABLE = "CLI_LANG"

ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)
"""argparse's own user-facing strings (CPython 3.11–3.13), marked so that the catalogs
must translate them; one missing here only falls back to English."""


@contextmanager
def argparse_speaks(gettext: Gettext) -> Iterator[None]:
    """Within the block, argparse's built-in strings come from ``gettext``."""
    module = vars(argparse)
    saved = module["_"], module["ngettext"]

    def translate(message: str) -> str:
        return gettext(message) if isinstance(message, str) else message

    def ngettext(singular: str, plural: str, count: int) -> str:
        return gettext(singular if count == 1 else plural)

    module["_"], module["ngettext"] = translate, ngettext
    try:
        yield
    finally:
        module["_"], module["ngettext"] = saved


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that speaks one language; usage errors exit with 2."""

    def __init__(self, *args: Any, gettext: Gettext, **kwargs: Any) -> None:
        self.gettext = gettext
        with argparse_speaks(gettext):
            super().__init__(*args, **kwargs)

    def format_usage(self) -> str:
        with argparse_speaks(self.gettext):
            return super().format_usage()

    def format_help(self) -> str:
        with argparse_speaks(self.gettext):
            return super().format_help()

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> Any:
        with argparse_speaks(self.gettext):
            return super().parse_args(args, namespace)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        with argparse_speaks(self.gettext):
            return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        self.exit(self.usage_error(message))

    def usage_error(self, message: str) -> int:
        """The usage line and ``prog: error: message`` on stderr, as argparse writes a
        usage error (also for options that contradict each other, found after parsing);
        returns exit code 2."""
        _ = self.gettext
        self.print_usage(sys.stderr)
        line = _("{prog}: error: {message}").format(prog=self.prog, message=message)
        sys.stderr.write(line + "\n")
        return EXIT_USAGE


class Commands:
    """Where a command group adds its subcommands: ``register(commands)`` in each module.

    ``commands.gettext`` translates help texts; ``group`` adds a command that has
    subcommands (``delegates import``), ``command`` a command that runs ``handler``.
    """

    def __init__(self, parser: Parser, *, dest: str = "command") -> None:
        _ = self.gettext = parser.gettext
        self._action = parser.add_subparsers(dest=dest, required=True, metavar=_("COMMAND"))

    def group(self, name: str, *, help: str, description: str | None = None) -> Commands:
        parser = self._add(name, help=help, description=description)
        return Commands(parser, dest=f"{name}_command")

    def command(
        self, name: str, handler: Handler, *, help: str, description: str | None = None
    ) -> Parser:
        parser = self._add(name, help=help, description=description)
        parser.set_defaults(handler=handler, command_parser=parser)
        add_language_option(parser, hidden=True)
        return parser

    def _add(self, name: str, *, help: str, description: str | None) -> Parser:
        parser: Parser = self._action.add_parser(
            name,
            help=help,
            description=description or _as_sentence(help),
            gettext=self.gettext,
        )
        return parser


def _as_sentence(text: str) -> str:
    """A command's one-line help as the description at the top of its ``--help``."""
    sentence = text[:1].upper() + text[1:]
    return sentence if sentence.endswith((".", ")", "…")) else f"{sentence}."


def add_language_option(parser: Parser, *, hidden: bool = False) -> None:
    """``--lang vi|en``; on subcommands hidden and only set when given."""
    _ = parser.gettext
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=argparse.SUPPRESS if hidden else None,
        help=argparse.SUPPRESS
        if hidden
        else _("language of the messages: vi (default) or en; or set CLI_LANG=en"),
    )


def choose_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language asked for by the last ``--lang``, else ``CLI_LANG``, else Vietnamese.

    An unknown ``--lang`` value is left for the parser to refuse (in the fallback language).
    """
    requested: str | None = None
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token == "--lang" and index + 1 < len(argv):
            requested = argv[index + 1]
        elif token.startswith("--lang="):
            requested = token.partition("=")[2]
    if requested in LANGUAGES:
        return requested
    fallback = environ.get(LANGUAGE_VARIABLE, "").strip()
    return normalize_language(fallback) if fallback else DEFAULT_LANGUAGE


def date_option(gettext: Gettext) -> Callable[[str], date]:
    """An argparse ``type`` for ``--from``/``--to``: ``10/12/2026`` or ``2026-12-10``.

    A day that does not exist (``31/11/2026``) is refused as such: a usage error, exit 2.
    """

    def parse(text: str) -> date:
        try:
            return parse_exception_date(text)
        except InvalidValue as invalid:
            message = gettext(invalid.message).format(**invalid.params)
            raise argparse.ArgumentTypeError(message) from None

    return parse
