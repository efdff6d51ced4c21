"""``schedule import``, ``schedule list`` and ``schedule ics``."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli.availability import register_attendance
from bot.cli.common import CommandScope, Context, with_database, write_bytes, write_csv
from bot.cli.importing import ImportRequest, add_import_command, run_import
from bot.cli.parsing import Commands, date_option
from bot.db import utcnow
from bot.domain.csv_text import csv_text
from bot.domain.dates import format_clock_24h, format_date, format_day, format_entry_time
from bot.errors import EXIT_OK, BadInputError, UsageError
from bot.i18n import N_, Gettext

if TYPE_CHECKING:
    from bot.services.schedule.imports import AssignmentView, ScheduleImportResult

LIST_COLUMNS = (
    "date", "start", "end", "kind", "title", "location", "delegate_code", "delegate_name",
)  # fmt: skip


# --- import ---------------------------------------------------------------------------------


def _importer(merge: bool) -> Callable[[ImportRequest], Awaitable[ScheduleImportResult]]:
    async def apply(request: ImportRequest) -> ScheduleImportResult:
        from bot.services.outbox.reminders import ReminderPolicy
        from bot.services.schedule.imports import import_schedule

        return await import_schedule(
            session=request.session,
            path=request.path,
            now=request.now,
            zone=request.settings.zone,
            dry_run=request.dry_run,
            policy=ReminderPolicy.from_settings(request.settings),
            merge=merge,
        )

    return apply


def _schedule_summary(result: ScheduleImportResult, _: Gettext) -> str:
    """The counts, then every event the file cancels by title and how many delegates are
    told (the same in a dry run), or that --merge cancelled nothing."""
    from bot.services.schedule.imports import cancellation_lines, summary_text

    lines = [summary_text(result, _), *cancellation_lines(result, _)]
    if result.merge:
        lines.append(_("Added and updated only (--merge): nothing cancelled."))
    return "\n".join(lines)


def cmd_import(context: Context, args: argparse.Namespace) -> int:
    return run_import(
        context,
        args.file,
        dry_run=args.dry_run,
        apply=_importer(args.merge),
        summary=_schedule_summary,
    )


# --- list and ics ---------------------------------------------------------------------------


async def _delegate_id(session: AsyncSession, code: str) -> int:
    from bot.services.delegates.accounts import delegate_by_code

    delegate = await delegate_by_code(session=session, code=code)
    if delegate is None or delegate.id is None:
        raise BadInputError(N_("Unknown delegate code: {code}"), code=code)
    return delegate.id


def _csv_text(views: Sequence[AssignmentView]) -> str:
    rows: list[list[str]] = [list(LIST_COLUMNS)]
    for view in views:
        rows.append(
            [
                view.starts_at.date().isoformat(),
                format_clock_24h(view.starts_at),
                format_clock_24h(view.ends_at) if view.ends_at else "",
                view.kind,
                view.title,
                view.location,
                view.delegate_code,
                view.delegate_name,
            ]
        )
    return csv_text(rows, line_end="\n")


def _plain_text(
    views: Sequence[AssignmentView],
    language: str,
    _: Gettext,
    away: Sequence[AssignmentView] = (),
) -> str:
    """Assignments grouped by day, the day written as a council office writes it; a
    released turn nobody has taken yet is shown as such (``away``)."""
    buffer = io.StringIO()
    current: date | None = None
    released = {view.assignment_id for view in away}
    for view in sorted([*views, *away], key=lambda v: (v.starts_at, v.delegate_code)):
        if view.starts_at.date() != current:
            current = view.starts_at.date()
            buffer.write(f"\n{format_day(current, language)}\n")
        # "@" is not Vietnamese punctuation: "— tại Trụ sở xã".
        where = " — " + _("at {place}").format(place=view.location) if view.location else ""

        note = f" ({_('away, no stand-in yet')})" if view.assignment_id in released else ""
        buffer.write(
            f"  {format_entry_time(view.kind, view.starts_at, view.ends_at, language):<13} "
            f"{view.title}{where} — {view.delegate_code} {view.delegate_name}{note}\n"
        )
    if not views:
        buffer.write(_("No assignments in this period.") + "\n")
    return buffer.getvalue().lstrip("\n")


def cmd_list(context: Context, args: argparse.Namespace) -> int:
    from bot.services.availability.candidates import open_releases
    from bot.services.schedule.imports import list_assignments, local_bounds

    zone = context.settings.zone
    day_from: date = args.date_from or utcnow().astimezone(zone).date()
    if args.date_to is not None and args.date_to < day_from:
        raise UsageError(
            N_("--to ({to}) is before --from ({since})"),
            to=format_date(args.date_to),
            since=format_date(day_from),
        )

    async def work(scope: CommandScope) -> int:
        delegate_ids = [await _delegate_id(scope.session, args.delegate)] if args.delegate else None
        starts_from, starts_before = local_bounds(day_from, args.date_to, zone)
        views = await list_assignments(
            session=scope.session,
            zone=zone,
            delegate_ids=delegate_ids,
            starts_from=starts_from,
            starts_before=starts_before,
        )
        if args.format == "csv":
            write_csv(_csv_text(views), None)
        else:
            away = await open_releases(
                session=scope.session,
                zone=zone,
                starts_from=starts_from,
                starts_before=starts_before,
                delegate_ids=delegate_ids,
            )
            sys.stdout.write(_plain_text(views, context.language, context.gettext, away))
        return EXIT_OK

    return with_database(context.settings, work)


def cmd_ics(context: Context, args: argparse.Namespace) -> int:
    from bot.services.schedule.ics import build_ics
    from bot.services.schedule.imports import list_assignments

    _ = context.gettext
    settings = context.settings

    async def work(scope: CommandScope) -> int:
        delegate_id = await _delegate_id(scope.session, args.delegate)
        views = await list_assignments(
            session=scope.session, zone=settings.zone, delegate_ids=[delegate_id]
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
            write_bytes(data, args.out)
            print(
                _("{count} event(s) written to {path}").format(count=len(views), path=args.out),
                file=sys.stderr,
            )
        return EXIT_OK

    return with_database(settings, work)


# --- registration ---------------------------------------------------------------------------


def register(commands: Commands) -> None:
    _ = commands.gettext
    schedule = commands.group(
        "schedule", help=_("reception days, voter meetings, sessions, deadlines")
    )
    importer = add_import_command(
        schedule,
        cmd_import,
        help=_("import a schedule (CSV or XLSX); all or nothing"),
        description=_(
            "Columns: kind, title, starts_at, ends_at, location, council, delegates, "
            "recurrence, until, shift, per_occurrence (optional ref). The file is the whole "
            "schedule of the councils it names: events no longer listed are cancelled from now "
            "on; past occurrences are never changed."
        ),
        file_help=_("schedule .csv or .xlsx"),
    )
    importer.add_argument(
        "--merge",
        action="store_true",
        help=_("add and update only: cancel nothing that is not in the file"),
    )
    _register_list(schedule)
    register_attendance(schedule)
    ics = schedule.command(
        "ics", cmd_ics, help=_("a delegate's calendar as iCalendar (.ics) with alarms")
    )
    ics.add_argument("--delegate", metavar=_("CODE"), required=True, help=_("delegate code"))
    ics.add_argument(
        "--out", type=Path, metavar=_("FILE"), help=_("write to this file instead of the screen")
    )


def _register_list(schedule: Commands) -> None:
    _ = schedule.gettext
    parser = schedule.command(
        "list", cmd_list, help=_("assignments as they will happen (after holiday shifts)")
    )
    parser.add_argument("--delegate", metavar=_("CODE"), help=_("only this delegate"))
    day = date_option(_)
    parser.add_argument(
        "--from",
        dest="date_from",
        type=day,
        metavar=_("DATE"),
        help=_("first day, DD/MM/YYYY or YYYY-MM-DD (default: today)"),
    )
    parser.add_argument(
        "--to",
        dest="date_to",
        type=day,
        metavar=_("DATE"),
        help=_("last day included, DD/MM/YYYY or YYYY-MM-DD"),
    )
    parser.add_argument(
        "--format", choices=("text", "csv"), default="text", help=_("text (default) or csv")
    )
