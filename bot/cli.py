"""Command line: ``delegate-bot`` and ``python -m bot``.

Exit codes: 0 success, 1 bad input (clear message, nothing written), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from pydantic import ValidationError

from bot.config import Settings
from bot.db import SessionFactory, create_engine, create_session_factory, utcnow
from bot.domain.dates import format_day, format_time_range
from bot.domain.tables import Problem, format_problem_line
from bot.i18n import get_translator
from bot.logging_setup import configure_logging

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2
LIST_COLUMNS = (
    "date", "start", "end", "kind", "title", "location", "delegate_code", "delegate_name",
)  # fmt: skip

_ = get_translator("vi")


class BadInputError(Exception):
    """Raised by a command for input it refuses; the message is shown as is, exit 1."""


class UsageError(Exception):
    """Options that contradict each other; shown as is, exit 2."""


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


Work = Callable[[SessionFactory], Awaitable[int]]


def _with_database(settings: Settings, work: Work) -> int:
    """Runs ``work`` against an up-to-date database (pending migrations are applied first)."""
    from bot.migrate import upgrade

    async def main() -> int:
        engine = create_engine(settings.DATABASE_URL)
        try:
            await upgrade(engine)
            return await work(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _existing_file(path: Path) -> Path:
    if not path.is_file():
        raise BadInputError(_("File not found: {path}").format(path=path))
    return path


def _report_problems(problems: Sequence[Problem]) -> int:
    for problem in problems:
        print(format_problem_line(problem, _), file=sys.stderr)
    print(
        _("{count} problem(s) found; nothing was written.").format(count=len(problems)),
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT


def _print_summary(summary: str, *, dry_run: bool) -> None:
    if dry_run:
        summary = _("Dry run, nothing written: {summary}").format(summary=summary)
    print(summary)


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.runner import run_worker

    if settings.BOT_TOKEN is None:
        raise BadInputError(
            _("BOT_TOKEN is not set. Get a token from @BotFather and put it in .env.")
        )
    run_worker(settings)
    return EXIT_OK


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    async def work(_sessions: SessionFactory) -> int:
        return EXIT_OK

    _with_database(settings, work)
    print(_("Database is up to date."))
    return EXIT_OK


def cmd_delegates_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.roster import import_roster

    path = _existing_file(args.file)

    async def work(sessions: SessionFactory) -> int:
        result = await import_roster(
            session_factory=sessions, path=path, now=utcnow(), dry_run=args.dry_run
        )
        if result.problems:
            return _report_problems(result.problems)
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
        _print_summary(summary, dry_run=args.dry_run)
        return EXIT_OK

    return _with_database(settings, work)


def cmd_calendar_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.calendar_days import import_calendar
    from bot.services.reminders import ReminderPolicy

    path = _existing_file(args.file)

    async def work(sessions: SessionFactory) -> int:
        result = await import_calendar(
            session_factory=sessions,
            path=path,
            now=utcnow(),
            zone=settings.zone,
            dry_run=args.dry_run,
            policy=ReminderPolicy.from_settings(settings),
        )
        if result.problems:
            return _report_problems(result.problems)
        summary = _(
            "{created} day(s) added, {updated} changed, {unchanged} unchanged; "
            "{moved} upcoming occurrence(s) moved."
        ).format(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            moved=result.sync.occurrences_changed,
        )
        _print_summary(summary, dry_run=args.dry_run)
        return EXIT_OK

    return _with_database(settings, work)


def cmd_schedule_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.reminders import ReminderPolicy
    from bot.services.schedule import import_schedule, summary_text

    path = _existing_file(args.file)

    async def work(sessions: SessionFactory) -> int:
        result = await import_schedule(
            session_factory=sessions,
            path=path,
            now=utcnow(),
            zone=settings.zone,
            dry_run=args.dry_run,
            policy=ReminderPolicy.from_settings(settings),
        )
        if result.problems:
            return _report_problems(result.problems)
        _print_summary(summary_text(result, _), dry_run=args.dry_run)
        return EXIT_OK

    return _with_database(settings, work)


def _date_argument(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


async def _delegate_id(sessions: SessionFactory, code: str) -> int:
    from bot.services.accounts import delegate_by_code

    delegate = await delegate_by_code(session_factory=sessions, code=code)
    if delegate is None or delegate.id is None:
        raise BadInputError(_("Unknown delegate code: {code}").format(code=code))
    return delegate.id


def cmd_schedule_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.schedule import list_assignments, local_bounds

    zone = settings.zone
    day_from: date = args.date_from or utcnow().astimezone(zone).date()
    if args.date_to is not None and args.date_to < day_from:
        raise UsageError(
            _("--to ({to}) is before --from ({since})").format(to=args.date_to, since=day_from)
        )

    async def work(sessions: SessionFactory) -> int:
        delegate_ids = [await _delegate_id(sessions, args.delegate)] if args.delegate else None
        starts_from, starts_before = local_bounds(day_from, args.date_to, zone)
        views = await list_assignments(
            session_factory=sessions,
            zone=zone,
            delegate_ids=delegate_ids,
            starts_from=starts_from,
            starts_before=starts_before,
        )
        buffer = io.StringIO()
        if args.format == "csv":
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(LIST_COLUMNS)
            for view in views:
                writer.writerow(
                    [
                        view.starts_at.date().isoformat(),
                        f"{view.starts_at:%H:%M}",
                        f"{view.ends_at:%H:%M}" if view.ends_at else "",
                        view.kind,
                        view.title,
                        view.location,
                        view.delegate_code,
                        view.delegate_name,
                    ]
                )
        else:
            current: date | None = None
            for view in views:
                if view.starts_at.date() != current:
                    current = view.starts_at.date()
                    buffer.write(f"\n{format_day(current, 'vi')}\n")
                where = f" @ {view.location}" if view.location else ""
                buffer.write(
                    f"  {format_time_range(view.starts_at, view.ends_at):<13} "
                    f"{view.title}{where} — {view.delegate_code} {view.delegate_name}\n"
                )
            if not views:
                buffer.write(_("No assignments in this period.") + "\n")
        sys.stdout.write(buffer.getvalue().lstrip("\n"))
        return EXIT_OK

    return _with_database(settings, work)


def cmd_schedule_ics(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.ics import build_ics
    from bot.services.schedule import list_assignments

    async def work(sessions: SessionFactory) -> int:
        delegate_id = await _delegate_id(sessions, args.delegate)
        views = await list_assignments(
            session_factory=sessions, zone=settings.zone, delegate_ids=[delegate_id]
        )
        data = build_ics(
            views,
            offsets=settings.REMINDER_OFFSETS,
            zone=settings.zone,
            calendar_name=_("HĐND duties — {code}").format(code=args.delegate),
            now=utcnow(),
        )
        if args.out is None:
            sys.stdout.buffer.write(data)
        else:
            _write_bytes(data, args.out)
            print(
                _("{count} event(s) written to {path}").format(count=len(views), path=args.out),
                file=sys.stderr,
            )
        return EXIT_OK

    return _with_database(settings, work)


def cmd_demo_seed(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.demo import seed_demo

    async def work(sessions: SessionFactory) -> int:
        result = await seed_demo(
            session_factory=sessions, now=utcnow(), zone=settings.zone, workdir=args.keep_files
        )
        print(
            _(
                "Demo council ready for {quarter}: {councils} council(s), {delegates} delegates, "
                "{events} events, {assignments} assignments."
            ).format(
                quarter=result.quarter,
                councils=result.councils,
                delegates=result.delegates,
                events=result.events,
                assignments=result.assignments,
            )
        )
        return EXIT_OK

    return _with_database(settings, work)


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
    from bot.services.invites import (
        IssuedInvite,
        UnknownCouncilError,
        invite_link,
        issue_invites,
    )

    out: Path | None = args.out
    if out is not None:
        _check_writable(out)
    username = asyncio.run(_bot_username(settings))

    def deliver(invites: list[IssuedInvite]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["code", "full_name", "link"])
        for invite in invites:
            writer.writerow([invite.code, invite.full_name, invite_link(username, invite.token)])
        _write_output(buffer.getvalue(), out, sys.stdout)

    async def work(sessions: SessionFactory) -> int:
        try:
            invites = await issue_invites(
                session_factory=sessions,
                now=utcnow(),
                council_code=args.council,
                deliver=deliver,
            )
        except UnknownCouncilError:
            raise BadInputError(
                _("Unknown council code: {code}").format(code=args.council)
            ) from None
        print(
            _("{count} invite link(s) issued, valid for 30 days.").format(count=len(invites)),
            file=sys.stderr,
        )
        return EXIT_OK

    return _with_database(settings, work)


def _write_output(text: str, out: Path | None, stdout: TextIO) -> None:
    if out is None:
        stdout.write(text)
        return
    _write_bytes(text.encode("utf-8"), out)


def _check_writable(out: Path) -> None:
    if not out.parent.is_dir():
        raise BadInputError(_("Folder does not exist: {path}").format(path=out.parent))
    if out.is_dir():
        raise BadInputError(_("{path} is a folder; give a file name").format(path=out))


def _write_bytes(data: bytes, out: Path) -> None:
    """Writes through a temporary file, so a failure never leaves half a file."""
    _check_writable(out)
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(out)
    except OSError as error:
        raise BadInputError(
            _("Cannot write {path}: {error}").format(path=out, error=error.strerror)
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


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

    worker = commands.add_parser(
        "worker",
        help="run the scheduler jobs only (no Telegram updates): a second process beside "
        "`run` against PostgreSQL",
        description="Sends reminders and other scheduled messages. Several processes may run "
        "against one PostgreSQL database: one of them (elected by an advisory lock) sends, "
        "the others take over if it stops.",
    )
    worker.set_defaults(handler=cmd_worker)

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

    calendar = commands.add_parser("calendar", help="days off and make-up working days")
    calendar_commands = calendar.add_subparsers(
        dest="calendar_command", required=True, metavar="COMMAND"
    )
    days = calendar_commands.add_parser(
        "import",
        help="import extra days off and make-up working days (CSV/XLSX: date,kind,note)",
        description="kind is off (nghỉ) or workday (làm bù). Days are added or changed by "
        "date; upcoming occurrences are moved accordingly. All or nothing.",
    )
    days.add_argument("file", type=Path, metavar="FILE", help="calendar .csv or .xlsx")
    days.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    days.set_defaults(handler=cmd_calendar_import)

    schedule = commands.add_parser("schedule", help="reception days, meetings, sessions, deadlines")
    schedule_commands = schedule.add_subparsers(
        dest="schedule_command", required=True, metavar="COMMAND"
    )
    schedule_import = schedule_commands.add_parser(
        "import",
        help="import a schedule (CSV or XLSX); all or nothing",
        description="Columns: kind, title, starts_at, ends_at, location, council, delegates, "
        "recurrence, until, shift, per_occurrence (optional ref). The file is the whole "
        "schedule of the councils it names: events no longer listed are cancelled from now "
        "on; past occurrences are never changed.",
    )
    schedule_import.add_argument("file", type=Path, metavar="FILE", help="schedule .csv or .xlsx")
    schedule_import.add_argument(
        "--dry-run", action="store_true", help="check and report, write nothing"
    )
    schedule_import.set_defaults(handler=cmd_schedule_import)
    schedule_list = schedule_commands.add_parser(
        "list", help="assignments as they will happen (after holiday shifts)"
    )
    schedule_list.add_argument("--delegate", metavar="CODE", help="only this delegate")
    schedule_list.add_argument(
        "--from", dest="date_from", type=_date_argument, metavar="DATE", help="default: today"
    )
    schedule_list.add_argument(
        "--to", dest="date_to", type=_date_argument, metavar="DATE", help="last day included"
    )
    schedule_list.add_argument("--format", choices=("text", "csv"), default="text")
    schedule_list.set_defaults(handler=cmd_schedule_list)
    schedule_ics = schedule_commands.add_parser(
        "ics", help="a delegate's calendar as iCalendar (.ics) with alarms"
    )
    schedule_ics.add_argument("--delegate", metavar="CODE", required=True)
    schedule_ics.add_argument("--out", type=Path, metavar="FILE", help="default: stdout")
    schedule_ics.set_defaults(handler=cmd_schedule_ics)

    demo = commands.add_parser("demo", help="a demo council to try the bot")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True, metavar="COMMAND")
    seed = demo_commands.add_parser(
        "seed",
        help="create a realistic demo council (18 units, 35 district + 491 commune delegates, "
        "a quarter of schedule)",
    )
    seed.add_argument(
        "--keep-files",
        type=Path,
        metavar="DIR",
        help="also write the generated roster and schedule files here",
    )
    seed.set_defaults(handler=cmd_demo_seed)
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
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
