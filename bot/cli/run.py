"""``run``, ``worker`` and ``db upgrade``: the long-running processes and the database."""

from __future__ import annotations

import argparse

from bot.cli.common import EXIT_OK, Context, require_token, with_database
from bot.cli.parsing import Commands
from bot.db import SessionFactory


def cmd_run(context: Context, _args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    require_token(context.settings)
    run_bot(context.settings)
    return EXIT_OK


def cmd_worker(context: Context, _args: argparse.Namespace) -> int:
    from bot.runner import run_worker

    require_token(context.settings)
    run_worker(context.settings)
    return EXIT_OK


def cmd_db_upgrade(context: Context, _args: argparse.Namespace) -> int:
    async def work(_sessions: SessionFactory) -> int:
        return EXIT_OK

    with_database(context.settings, work)
    print(context.gettext("Database is up to date."))
    return EXIT_OK


def register(commands: Commands) -> None:
    _ = commands.gettext
    commands.command(
        "run",
        cmd_run,
        help=_("bring the database up to date, then run the bot until it is stopped (Ctrl+C)"),
        description=_(
            "Runs the bot: answers delegates and sends reminders. Stop it with Ctrl+C; "
            "messages being sent are finished or handed back before it stops."
        ),
    )
    commands.command(
        "worker",
        cmd_worker,
        help=_(
            "send reminders only (no replies to delegates): a second process beside "
            "`run` on a shared PostgreSQL database"
        ),
        description=_(
            "Sends reminders and other scheduled messages. Several processes may run on one "
            "PostgreSQL database: one of them sends, the others take over if it stops."
        ),
    )
    database = commands.group("db", help=_("database maintenance"))
    database.command(
        "upgrade",
        cmd_db_upgrade,
        help=_("bring the database structure up to date"),
    )
