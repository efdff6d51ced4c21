"""``petitions import`` and ``petitions export``: the register of petitions and voters'
opinions kept by the office as a file. The files hold personal data (citizens' names and
the items' content): the export is written owner-only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
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
    from bot.services.petitions.files import PetitionImportResult

FORMATS = ("csv", "xlsx")


async def _import(request: ImportRequest) -> PetitionImportResult:
    from bot.services.petitions.files import import_petitions

    return await import_petitions(
        session=request.session,
        path=request.path,
        now=request.now,
        answer_days=request.settings.PETITION_ANSWER_DAYS,
        dry_run=request.dry_run,
    )


def _summary(result: PetitionImportResult, _: Gettext) -> str:
    text = _("{created} items added, {updated} updated, {unchanged} unchanged.").format(
        created=result.created, updated=result.updated, unchanged=result.unchanged
    )
    if result.answers_told:
        text += " " + _("{count} delegate(s) will be told of an answer.").format(
            count=result.answers_told
        )
    return text


def _headers(result: PetitionImportResult) -> Mapping[str, str]:
    """The column as the file's own header wrote it (the message adds the «»)."""
    return dict(result.headers)


def cmd_import(context: Context, args: argparse.Namespace) -> int:
    return run_import(
        context,
        args.file,
        dry_run=args.dry_run,
        apply=_import,
        summary=_summary,
        notes=ignored_columns_note,
        headers=_headers,
    )


def cmd_export(context: Context, args: argparse.Namespace) -> int:
    from bot.services.petitions.files import export_csv, export_rows, export_xlsx
    from bot.services.stats.figures import council_by_code

    _ = context.gettext
    out: Path | None = args.out
    if out is not None:
        check_writable(out)

    async def work(scope: CommandScope) -> int:
        council_ids: list[int] | None = None
        if args.council is not None:
            council = await council_by_code(session=scope.session, code=args.council)
            if council is None or council.id is None:
                raise BadInputError(N_("Unknown council code: {code}"), code=args.council)
            council_ids = [council.id]
        quarter = args.quarter
        rows = await export_rows(
            session=scope.session,
            received_from=quarter.first_day if quarter else None,
            received_before=quarter.following().first_day if quarter else None,
            council_ids=council_ids,
        )
        data = export_xlsx(rows) if args.format == "xlsx" else export_csv(rows)
        target = out
        if target is None and args.format == "xlsx":
            target = Path(f"don-thu-{quarter.label if quarter else 'tat-ca'}.xlsx")
        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            # Citizens' names and the items' content: readable by the owner only.
            write_bytes(data, target, private=True)
            print(
                _("{count} items written to {path}").format(count=len(rows), path=target),
                file=sys.stderr,
            )
        return EXIT_OK

    return with_database(context.settings, work)


def register(commands: Commands) -> None:
    _ = commands.gettext
    petitions = commands.group(
        "petitions", help=_("the register of petitions and voters' opinions: import, export")
    )
    add_import_command(
        petitions,
        cmd_import,
        help=_("update the register of petitions and voters' opinions (all or nothing)"),
        description=_(
            "Columns: ref, council, source, received_on, delegate, type, summary, citizen, "
            "action, agency, forwarded_on, due_on, answered_on, answer (English or Vietnamese "
            "headers and values). Each row is matched by council and register number (ref): "
            "a new one is added, a known one updated. An answer recorded here is sent to the "
            "delegate who received the item."
        ),
        file_help=_("the register file (CSV or XLSX)"),
    )
    export = petitions.command(
        "export",
        cmd_export,
        help=_("the register as a file that can be imported again (personal data: owner-only)"),
    )
    export.add_argument(
        "--quarter", type=quarter_option(_), metavar=_("QUARTER"),
        help=_("only the items received in this quarter, e.g. 2026-Q1"),
    )  # fmt: skip
    export.add_argument(
        "--council", metavar=_("CODE"), help=_("only this council (default: every council)")
    )
    export.add_argument("--format", choices=FORMATS, default="csv", help=_("csv (default) or xlsx"))
    export.add_argument(
        "--out", type=Path, metavar=_("FILE"), help=_("write to this file instead of the screen")
    )
