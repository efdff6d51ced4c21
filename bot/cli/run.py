"""``run``, ``worker`` and ``db upgrade``: the long-running processes and the database."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import CommandScope, Context, require_token, with_database
from bot.cli.parsing import Commands
from bot.errors import EXIT_OK, BadInputError
from bot.i18n import N_


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
    async def work(_scope: CommandScope) -> int:
        return EXIT_OK

    with_database(context.settings, work)
    print(context.gettext("Database is up to date."))
    return EXIT_OK


def cmd_db_copy(context: Context, args: argparse.Namespace) -> int:
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot.services.db_copy import CopyError, copy_database

    _ = context.gettext
    try:
        counts = asyncio.run(copy_database(args.source, args.target))
    except CopyError as error:
        raise BadInputError(N_("Nothing was copied: {reason}"), reason=str(error)) from None
    except (ArgumentError, SQLAlchemyError, OSError) as error:
        raise BadInputError(
            N_("Nothing was copied: cannot use a database ({error})"),
            error=type(error).__name__,
        ) from None
    for count in counts:
        print(f"{count.table}: {count.target}")
    print(
        _("Copied {rows} rows in {tables} tables; every count matches.").format(
            rows=sum(c.target for c in counts), tables=len(counts)
        )
    )
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
    copy = database.command(
        "copy",
        cmd_db_copy,
        help=_("copy every table into an empty database (e.g. SQLite to PostgreSQL)"),
        description=_(
            "Brings both databases up to date, copies every row into the empty target in "
            "one go and compares the row counts; on any problem nothing is copied."
        ),
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help=_("the database to copy, e.g. sqlite+aiosqlite:///./data/delegate-bot.db"),
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help=_("the empty target, e.g. postgresql+asyncpg://bot@localhost/hdnd"),
    )
