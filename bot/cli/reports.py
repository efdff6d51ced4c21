"""``reports import`` (paper and phone reports entered by the office) and ``reports export``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import CommandScope, Context, check_writable, with_database, write_bytes
from bot.cli.importing import (
    ImportRequest,
    add_import_command,
    ignored_columns_note,
    run_import,
)
from bot.cli.parsing import Commands
from bot.cli.stats import quarter_option
from bot.errors import EXIT_OK, BadInputError
from bot.i18n import N_, Gettext

if TYPE_CHECKING:
    from bot.services.reports.files import ReportImportResult

FORMATS = ("csv", "xlsx")


async def _import(request: ImportRequest) -> ReportImportResult:
    from bot.services.reports.files import import_reports

    return await import_reports(
        session=request.session,
        path=request.path,
        now=request.now,
        zone=request.settings.zone,
        dry_run=request.dry_run,
    )


def _summary(result: ReportImportResult, _: Gettext) -> str:
    return _("{created} reports added, {updated} updated, {unchanged} unchanged.").format(
        created=result.created, updated=result.updated, unchanged=result.unchanged
    )


def cmd_import(context: Context, args: argparse.Namespace) -> int:
    return run_import(
        context,
        args.file,
        dry_run=args.dry_run,
        apply=_import,
        summary=_summary,
        notes=ignored_columns_note,
    )


def cmd_export(context: Context, args: argparse.Namespace) -> int:
    from bot.services.reports.files import export_csv, export_rows
    from bot.services.reports.workbook import export_workbook
    from bot.services.stats.figures import council_by_code

    _ = context.gettext
    settings = context.settings
    out: Path | None = args.out
    if out is not None:
        check_writable(out)

    async def work(scope: CommandScope) -> int:
        council_ids: list[int] | None = None
        if args.council is not None:
            council = await council_by_code(session=scope.session, code=args.council)
            if council is None:
                raise BadInputError(N_("Unknown council code: {code}"), code=args.council)
            council_ids = [council.id]
        starts_from, starts_before = args.quarter.bounds(settings.zone)
        rows = await export_rows(
            session=scope.session,
            starts_from=starts_from,
            starts_before=starts_before,
            zone=settings.zone,
            council_ids=council_ids,
        )
        if args.format == "xlsx":
            title = _("Delegates' reports, quarter {quarter}").format(quarter=args.quarter.roman)
            title += f"/{args.quarter.year}"
            if args.council is not None:
                title += f" — {args.council}"
            data = export_workbook(rows, title=title)
        else:
            data = export_csv(rows)
        target = out
        if target is None and args.format == "xlsx":
            target = Path(f"bao-cao-{args.quarter.label}.xlsx")
        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            write_bytes(data, target)
            print(
                _("{count} reports written to {path}").format(count=len(rows), path=target),
                file=sys.stderr,
            )
        return EXIT_OK

    return with_database(settings, work)


def register(commands: Commands) -> None:
    _ = commands.gettext
    reports = commands.group("reports", help=_("delegates' reports: enter from paper, export"))
    add_import_command(
        reports,
        cmd_import,
        help=_("enter reports collected on paper or by phone (all or nothing)"),
        description=_(
            "Columns: delegate, date, kind, held, citizens, petitions, note; optionally "
            "forwarded, voters, opinions, reason. Each row is matched to the delegate's duty "
            "of that kind on that date. For a meeting shared by several delegates, give the "
            "figures on one row and leave them empty on the others. A report already given "
            "in the bot is replaced (the earlier version is kept)."
        ),
        file_help=_("the reports file (CSV or XLSX)"),
    )
    export = reports.command(
        "export",
        cmd_export,
        help=_("every report of a quarter, as a file that can be imported again"),
    )
    export.add_argument(
        "--quarter", required=True, type=quarter_option(_), metavar=_("QUARTER"),
        help=_("the quarter, e.g. IV/2026 (also 2026-Q4, Q4/2026, quý 4/2026)"),
    )  # fmt: skip
    export.add_argument(
        "--council", metavar=_("CODE"), help=_("only this council (default: every council)")
    )
    export.add_argument("--format", choices=FORMATS, default="csv", help=_("csv (default) or xlsx"))
    export.add_argument(
        "--out", type=Path, metavar=_("FILE"), help=_("write to this file instead of the screen")
    )
