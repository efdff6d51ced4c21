"""The one runner behind every ``… import FILE [--dry-run]`` command.

A command supplies what differs: the service call (``apply``) and how its result reads
(``summary``, optional ``notes``). The runner does the rest the same way for all of them:
the file must exist, the database is brought up to date, the service checks the whole
file and writes only when it is clean and ``--dry-run`` is not given; problems go to
stderr with the count (exit 1, nothing written), otherwise the summary goes to stdout,
prefixed in a dry run (exit 0).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli.common import (
    CommandScope,
    Context,
    Handler,
    existing_file,
    print_problems,
    print_summary,
    with_database,
)
from bot.cli.parsing import Commands, Parser
from bot.config import Settings
from bot.db import utcnow
from bot.domain.tables import Problem
from bot.errors import EXIT_OK
from bot.i18n import Gettext


class ImportResult(Protocol):
    """What an import service returns: at least the problems it found (empty when clean)."""

    @property
    def problems(self) -> Sequence[Problem]: ...


ResultT = TypeVar("ResultT", bound=ImportResult)


@dataclass(frozen=True)
class ImportRequest:
    """Everything an import service is called with."""

    session: AsyncSession
    """The command's one session: the service reads, writes and commits (or, in a dry
    run or on a problem, rolls back) in it."""
    path: Path
    now: datetime
    dry_run: bool
    settings: Settings


def run_import(
    context: Context,
    path: Path,
    *,
    dry_run: bool,
    apply: Callable[[ImportRequest], Awaitable[ResultT]],
    summary: Callable[[ResultT, Gettext], str],
    notes: Callable[[ResultT, Gettext], Iterable[str]] | None = None,
    headers: Callable[[ResultT], Mapping[str, str]] | None = None,
) -> int:
    """Check ``path`` and, unless ``dry_run`` or a problem is found, write it: exit 0 or 1.

    ``apply`` reads, checks and (when clean and not a dry run) writes the file in one
    transaction, returning its result; ``summary`` is the line printed on success;
    ``notes`` are warnings printed on stderr before it (e.g. ignored columns);
    ``headers`` gives the file's own header text per canonical column, so that problems
    name the column as the clerk wrote it (by default the result's own ``headers``, when it
    has them; canonical names without).
    """
    _ = context.gettext
    checked = existing_file(path)

    async def work(scope: CommandScope) -> int:
        request = ImportRequest(
            session=scope.session,
            path=checked,
            now=utcnow(),
            dry_run=dry_run,
            settings=context.settings,
        )
        result = await apply(request)
        if result.problems:
            shown = headers(result) if headers else getattr(result, "headers", None)
            return print_problems(result.problems, _, shown)
        for note in notes(result, _) if notes is not None else ():
            print(note, file=sys.stderr)
        print_summary(summary(result, _), _, dry_run=dry_run)
        return EXIT_OK

    return with_database(context.settings, work)


class HasIgnoredColumns(Protocol):
    @property
    def ignored_columns(self) -> Sequence[str]: ...


def ignored_columns_note(result: HasIgnoredColumns, _: Gettext) -> Iterable[str]:
    """The warning for header texts that matched no known column (a typo there silently
    drops that column), for ``run_import``'s ``notes``."""
    if result.ignored_columns:
        columns = ", ".join(result.ignored_columns)
        yield _("Columns not recognised and ignored: {columns}").format(columns=columns)


def add_import_command(
    commands: Commands,
    handler: Handler,
    *,
    help: str,
    description: str,
    file_help: str,
) -> Parser:
    """``import FILE [--dry-run]`` under ``commands``; ``handler`` calls :func:`run_import`."""
    _ = commands.gettext
    parser = commands.command("import", handler, help=help, description=description)
    parser.add_argument("file", type=Path, metavar=_("FILE"), help=file_help)
    parser.add_argument(
        "--dry-run", action="store_true", help=_("check the file and report, write nothing")
    )
    return parser
