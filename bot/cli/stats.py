"""``stats``: a quarter's statistics as text, CSV, XLSX or a PNG chart."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import CommandScope, Context, check_writable, with_database, write_bytes
from bot.cli.parsing import Commands
from bot.db import utcnow
from bot.domain.quarters import Quarter, QuarterError
from bot.domain.stats import Statistics
from bot.errors import EXIT_OK, BadInputError, UsageError
from bot.i18n import N_, Gettext

FORMATS = ("text", "csv", "xlsx", "png")
FILE_FORMATS = ("xlsx", "png")
BAD_QUARTER = N_('"{value}" is not a quarter: write it as IV/2026 or 2026-Q4')


def quarter_option(gettext: Gettext) -> Callable[[str], Quarter]:
    """An argparse ``type`` for ``--quarter``: a bad value is a usage error (exit 2)."""

    def parse(text: str) -> Quarter:
        try:
            return Quarter.parse(text)
        except QuarterError:
            raise argparse.ArgumentTypeError(gettext(BAD_QUARTER).format(value=text)) from None

    return parse


def _render(stats: Statistics, output: str, language: str) -> bytes:
    if output == "csv":
        from bot.services.stats.output import csv_bytes

        return csv_bytes(stats)
    if output == "xlsx":
        from bot.services.stats.xlsx import xlsx_bytes

        return xlsx_bytes(stats)
    if output == "png":
        from bot.services.stats.chart import chart_png

        return chart_png(stats)
    from bot.domain.stats_text import summary_text

    return (summary_text(stats, language) + "\n").encode("utf-8")


def _default_path(stats: Statistics, output: str) -> Path:
    from bot.services.stats.output import file_stem

    return Path(f"{file_stem(stats)}.{output}")


def cmd_stats(context: Context, args: argparse.Namespace) -> int:
    from bot.services.stats.figures import child_council_ids, council_by_code, quarterly_statistics

    _ = context.gettext
    if args.children and args.council is None:
        raise UsageError(N_("--children needs --council CODE"))
    settings = context.settings
    out: Path | None = args.out
    if out is not None:
        check_writable(out)
    now = utcnow()

    async def work(scope: CommandScope) -> int:
        council_ids: frozenset[int] | None = None
        if args.council is not None:
            council = await council_by_code(session=scope.session, code=args.council)
            if council is None:
                raise BadInputError(N_("Unknown council code: {code}"), code=args.council)
            council_ids = frozenset({council.id})
            if args.children:
                council_ids |= await child_council_ids(session=scope.session, parent_id=council.id)
        stats = await quarterly_statistics(
            session=scope.session,
            quarter=args.quarter,
            zone=settings.zone,
            now=now,
            council_ids=council_ids,
            detailed=args.format == "xlsx",
        )
        data = _render(stats, args.format, context.language)
        target = out
        if target is None and args.format in FILE_FORMATS:
            target = _default_path(stats, args.format)
        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            write_bytes(data, target, private=False)  # figures per unit, no one named
            print(_("Statistics written to {path}").format(path=target))
        return EXIT_OK

    return with_database(settings, work)


def register(commands: Commands) -> None:
    _ = commands.gettext
    parser = commands.command(
        "stats",
        cmd_stats,
        help=_("quarterly statistics from the delegates' reports"),
        description=_(
            "Figures of one quarter by unit and kind, TOTAL rows last, from the delegates' "
            "reports and reports import. An occurrence belongs to the quarter of its start "
            "in the council's time zone. Without --out, text and csv are printed; xlsx and "
            "png are written to a file named after the quarter and the council."
        ),
    )
    parser.add_argument(
        "--quarter",
        required=True,
        type=quarter_option(_),
        metavar=_("QUARTER"),
        help=_("the quarter, e.g. IV/2026 (also 2026-Q4, Q4/2026, quý 4/2026)"),
    )
    parser.add_argument(
        "--council", metavar=_("CODE"), help=_("only this council (default: every council)")
    )
    parser.add_argument(
        "--children",
        action="store_true",
        help=_("with --council: add the councils whose upper council it is (its communes)"),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help=_("text (default), csv, xlsx or png (the chart)"),
    )
    parser.add_argument(
        "--out", type=Path, metavar=_("FILE"), help=_("write to this file instead of the screen")
    )
