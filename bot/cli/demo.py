"""``demo seed``: a realistic demo council to try the bot with."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CommandScope, Context, with_database
from bot.cli.parsing import Commands
from bot.db import utcnow
from bot.errors import EXIT_OK


def cmd_seed(context: Context, args: argparse.Namespace) -> int:
    from bot.services.demo import seed_demo

    _ = context.gettext

    async def work(scope: CommandScope) -> int:
        result = await seed_demo(
            session=scope.session,
            now=utcnow(),
            zone=context.settings.zone,
            workdir=args.keep_files,
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

    return with_database(context.settings, work)


def register(commands: Commands) -> None:
    _ = commands.gettext
    demo = commands.group("demo", help=_("a demo council to try the bot"))
    seed = demo.command(
        "seed",
        cmd_seed,
        help=_(
            "create a realistic demo council (18 units, 35 district + 491 commune delegates, "
            "a quarter of schedule)"
        ),
    )
    seed.add_argument(
        "--keep-files",
        type=Path,
        metavar=_("FOLDER"),
        help=_("also write the generated roster and schedule files in this folder"),
    )
