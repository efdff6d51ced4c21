"""``demo seed``: a realistic demo council to try the bot with."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from bot.cli.common import CommandScope, Context, with_database
from bot.cli.parsing import Commands
from bot.db import utcnow
from bot.domain.quarters import ROMAN
from bot.errors import EXIT_OK


def quarter_title(first_day: date) -> str:
    """``IV/2026``: the quarter as the office writes it."""
    return f"{ROMAN[(first_day.month - 1) // 3]}/{first_day.year}"


PROVINCE_2026 = "tinh-2026"
DISTRICT_2022 = "huyen-2022"


def cmd_seed(context: Context, args: argparse.Namespace) -> int:
    from bot.services.demo import seed_demo, seed_province_demo

    _ = context.gettext
    seed = seed_demo if args.example == DISTRICT_2022 else seed_province_demo

    async def work(scope: CommandScope) -> int:
        result = await seed(
            session=scope.session,
            now=utcnow(),
            zone=context.settings.zone,
            workdir=args.keep_files,
        )
        print(
            _(
                "Demo data ready for quarter {quarter}: {councils} council(s), {delegates} "
                "people (delegates and office accounts), {events} events, "
                "{assignments} assignments."
            ).format(
                quarter=quarter_title(result.first_day),
                councils=result.councils,
                delegates=result.delegates,
                events=result.events,
                assignments=result.assignments,
            )
        )
        return EXIT_OK

    return with_database(context.settings, work)


def register(commands: Commands) -> None:
    _ = commands.gettext
    demo = commands.group("demo", help=_("a demo council to try the bot"))
    seed = demo.command(
        "seed",
        cmd_seed,
        help=_(
            "create a realistic demo of 2026: a province council and six commune, ward and "
            "special-zone councils under it, with a quarter of schedule around today"
        ),
    )
    seed.add_argument(
        "--example",
        choices=(PROVINCE_2026, DISTRICT_2022),
        default=PROVINCE_2026,
        help=_(
            "tinh-2026 (default): the province of 2026; huyen-2022: the dated example of a "
            "district of 2022 (18 communes and towns, 35 + 491 delegates)"
        ),
    )
    seed.add_argument(
        "--keep-files",
        type=Path,
        metavar=_("FOLDER"),
        help=_("also write the generated roster and schedule files in this folder"),
    )
