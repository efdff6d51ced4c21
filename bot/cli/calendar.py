"""``calendar import``: extra days off and make-up working days."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.common import Context
from bot.cli.importing import ImportRequest, add_import_command, run_import
from bot.cli.parsing import Commands
from bot.i18n import Gettext

if TYPE_CHECKING:
    from bot.services.schedule.calendar_days import CalendarImportResult


async def _import_calendar(request: ImportRequest) -> CalendarImportResult:
    from bot.services.outbox.reminders import ReminderPolicy
    from bot.services.schedule.calendar_days import import_calendar

    return await import_calendar(
        session=request.session,
        path=request.path,
        now=request.now,
        zone=request.settings.zone,
        dry_run=request.dry_run,
        policy=ReminderPolicy.from_settings(request.settings),
    )


def _calendar_summary(result: CalendarImportResult, _: Gettext) -> str:
    return _(
        "{created} day(s) added, {updated} changed, {unchanged} unchanged; "
        "{moved} upcoming occurrence(s) moved."
    ).format(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        moved=result.sync.occurrences_changed,
    )


def cmd_import(context: Context, args: argparse.Namespace) -> int:
    return run_import(
        context, args.file, dry_run=args.dry_run, apply=_import_calendar, summary=_calendar_summary
    )


def register(commands: Commands) -> None:
    _ = commands.gettext
    calendar = commands.group("calendar", help=_("days off and make-up working days"))
    add_import_command(
        calendar,
        cmd_import,
        help=_("import extra days off and make-up working days (CSV/XLSX: date,kind,note)"),
        description=_(
            "kind is off (nghỉ) or workday (làm bù). Days are added or changed by date; "
            "upcoming occurrences are moved accordingly. All or nothing."
        ),
        file_help=_("calendar .csv or .xlsx"),
    )
