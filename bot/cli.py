"""Command line: ``delegate-bot`` and ``python -m bot``.

Exit codes: 0 success, 1 bad input (clear message, nothing written), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from pydantic import ValidationError

from bot.config import Settings
from bot.db import create_engine, create_session_factory, utcnow
from bot.i18n import get_translator
from bot.logging_setup import configure_logging

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2

_ = get_translator("vi")


class BadInputError(Exception):
    """Raised by a command for input it refuses; the message is shown as is, exit 1."""


def _settings_error(error: ValidationError) -> str:
    lines = [_("Configuration error:")]
    for problem in error.errors():
        variable = ".".join(str(part) for part in problem["loc"]) or "?"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"  {variable}: {message}")
    return "\n".join(lines)


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        print(_settings_error(error), file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None


# --- commands -------------------------------------------------------------------------------


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    if settings.BOT_TOKEN is None:
        raise BadInputError(
            _("BOT_TOKEN is not set. Get a token from @BotFather and put it in .env.")
        )
    run_bot(settings)
    return EXIT_OK


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.migrate import upgrade

    async def main() -> None:
        engine = create_engine(settings.DATABASE_URL)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())
    print(_("Database is up to date."))
    return EXIT_OK


def cmd_delegates_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.roster import format_problem_line, import_roster

    path: Path = args.file
    if not path.is_file():
        raise BadInputError(_("File not found: {path}").format(path=path))

    async def main() -> int:
        engine = create_engine(settings.DATABASE_URL)
        try:
            result = await import_roster(
                session_factory=create_session_factory(engine),
                path=path,
                now=utcnow(),
                dry_run=args.dry_run,
            )
        finally:
            await engine.dispose()
        if result.problems:
            for problem in result.problems:
                print(format_problem_line(problem, _), file=sys.stderr)
            print(
                _("{count} problem(s) found; nothing was written.").format(
                    count=len(result.problems)
                ),
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        if result.ignored_columns:
            print(
                _("Columns not recognised and ignored: {columns}").format(
                    columns=", ".join(result.ignored_columns)
                ),
                file=sys.stderr,
            )
        summary = _(
            "{created} created, {updated} updated, {unchanged} unchanged, "
            "{councils} new council(s)."
        ).format(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            councils=result.councils_created,
        )
        if args.dry_run:
            summary = _("Dry run, nothing written: {summary}").format(summary=summary)
        print(summary)
        return EXIT_OK

    return asyncio.run(main())


async def _bot_username(settings: Settings) -> str:
    if settings.BOT_USERNAME:
        return settings.BOT_USERNAME.lstrip("@")
    if settings.BOT_TOKEN is None:
        raise BadInputError(
            _("Set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) so that links can be built.")
        )
    from telegram import Bot
    from telegram.error import TelegramError

    root = settings.TELEGRAM_API_URL
    try:
        async with Bot(
            settings.token(), base_url=f"{root}/bot", base_file_url=f"{root}/file/bot"
        ) as bot:
            return bot.username
    except TelegramError as error:
        raise BadInputError(
            _("Could not ask Telegram for the bot's username ({error}); set BOT_USERNAME.").format(
                error=type(error).__name__
            )
        ) from None


def cmd_delegates_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.invites import UnknownCouncilError, invite_link, issue_invites

    out: Path | None = args.out
    if out is not None and not out.parent.is_dir():
        raise BadInputError(_("Folder does not exist: {path}").format(path=out.parent))

    async def main() -> int:
        username = await _bot_username(settings)
        engine = create_engine(settings.DATABASE_URL)
        try:
            invites = await issue_invites(
                session_factory=create_session_factory(engine),
                now=utcnow(),
                council_code=args.council,
            )
        except UnknownCouncilError:
            raise BadInputError(
                _("Unknown council code: {code}").format(code=args.council)
            ) from None
        finally:
            await engine.dispose()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["code", "full_name", "link"])
        for invite in invites:
            writer.writerow([invite.code, invite.full_name, invite_link(username, invite.token)])
        _write_output(buffer.getvalue(), out, sys.stdout)
        print(
            _("{count} invite link(s) issued, valid for 30 days.").format(count=len(invites)),
            file=sys.stderr,
        )
        return EXIT_OK

    return asyncio.run(main())


def _write_output(text: str, out: Path | None, stdout: TextIO) -> None:
    """Writes to ``out`` through a temporary file, so a failure never leaves half a file."""
    if out is None:
        stdout.write(text)
        return
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(out)


# --- parser ---------------------------------------------------------------------------------

Handler = Callable[[Settings, argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="delegate-bot",
        description="Telegram bot that reminds People's Council (HĐND) delegates of their "
        "duties. Configuration comes from the environment or a .env file (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="apply pending migrations, then run the bot until SIGINT/SIGTERM"
    )
    run.set_defaults(handler=cmd_run)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", help="apply every pending migration").set_defaults(
        handler=cmd_db_upgrade
    )

    delegates = commands.add_parser("delegates", help="the roster of delegates")
    delegate_commands = delegates.add_subparsers(
        dest="delegates_command", required=True, metavar="COMMAND"
    )
    roster = delegate_commands.add_parser(
        "import",
        help="import a roster (CSV or XLSX); upsert by code; all or nothing",
        description="Columns: code, full_name, council, level, unit, constituency, phone, "
        "role (English or Vietnamese headers). Any bad row is reported as "
        "'row N, column X: problem' and nothing is written (exit 1).",
    )
    roster.add_argument("file", type=Path, metavar="FILE", help="roster .csv or .xlsx")
    roster.add_argument(
        "--dry-run", action="store_true", help="check the file and report, write nothing"
    )
    roster.set_defaults(handler=cmd_delegates_import)

    invite = delegate_commands.add_parser(
        "invite",
        help="one-time invite links for delegates not linked yet (CSV code,full_name,link)",
        description="Issues a fresh single-use link, valid 30 days, for every active delegate "
        "who has not linked a Telegram account; earlier unused links stop working.",
    )
    invite.add_argument("--council", metavar="CODE", help="only this council")
    invite.add_argument("--out", type=Path, metavar="FILE", help="write the CSV here, not stdout")
    invite.set_defaults(handler=cmd_delegates_invite)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = _load_settings()
    configure_logging(settings.LOG_LEVEL)
    handler: Handler = args.handler
    try:
        return handler(settings, args)
    except BadInputError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
