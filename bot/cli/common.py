"""What every command shares: settings, the database (one session per command), output.

Errors (:mod:`bot.errors`) are raised as English message ids with their fields and
translated once, at the edge (``main``), in the language the clerk chose.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.db import create_engine, create_session_factory
from bot.domain.tables import Problem, format_problem
from bot.errors import EXIT_BAD_INPUT, BadInputError
from bot.i18n import N_, Gettext


@dataclass(frozen=True)
class Context:
    """What a command runs with: the configuration and the clerk's language."""

    settings: Settings
    language: str
    gettext: Gettext


@dataclass(frozen=True)
class CommandScope:
    """The command's unit of work: its one database session, passed down as ``session=``.

    Services never open a session of their own; a use-case that writes commits it (an
    import when the file is clean), a dry run rolls it back, and whatever is left
    uncommitted when the command ends is rolled back.
    """

    session: AsyncSession


Handler = Callable[[Context, argparse.Namespace], int]
Work = Callable[[CommandScope], Awaitable[int]]


# --- settings and database ------------------------------------------------------------------


def _settings_error(error: ValidationError, _: Gettext) -> str:
    lines = [_("Configuration error:")]
    for problem in error.errors():
        variable = ".".join(str(part) for part in problem["loc"]) or "?"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"  {variable}: {message}")
    return "\n".join(lines)


def load_settings(_: Gettext) -> Settings:
    """``Settings()`` from the environment and ``.env``; a bad value exits 1."""
    try:
        return Settings()
    except ValidationError as error:
        print(_settings_error(error, _), file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None


def with_database(settings: Settings, work: Work) -> int:
    """Runs ``work`` in one session on an up-to-date database (pending migrations first)."""
    from bot.migrate import upgrade

    async def main() -> int:
        engine = create_engine(settings.DATABASE_URL)
        try:
            await upgrade(engine)
            session_factory = create_session_factory(engine)
            async with session_factory() as session:
                return await work(CommandScope(session))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def require_token(settings: Settings) -> None:
    if settings.BOT_TOKEN is None:
        raise BadInputError(
            N_("BOT_TOKEN is not set. Get a token from @BotFather and put it in .env.")
        )


# --- files in, problems and summaries out ---------------------------------------------------


def existing_file(path: Path) -> Path:
    if not path.is_file():
        raise BadInputError(N_("File not found: {path}"), path=path)
    return path


def problem_line(problem: Problem, _: Gettext, headers: Mapping[str, str] | None = None) -> str:
    """``dòng 5, cột phone: …`` (``row 5, column phone: …`` in English).

    ``headers`` maps a canonical column name to the header text the file used, so the
    clerk sees the column as written in the file; without it the canonical name is shown.
    """
    text = format_problem(problem, _)
    column = None
    if problem.column is not None:
        column = (headers or {}).get(problem.column, problem.column)
    if problem.row is not None and column is not None:
        return _("row {row}, column {column}: {problem}").format(
            row=problem.row, column=column, problem=text
        )
    if problem.row is not None:
        return _("row {row}: {problem}").format(row=problem.row, problem=text)
    if column is not None:
        return _("column {column}: {problem}").format(column=column, problem=text)
    return text


def print_problems(
    problems: Sequence[Problem], _: Gettext, headers: Mapping[str, str] | None = None
) -> int:
    """Every problem on stderr, then the count; returns exit code 1."""
    for problem in problems:
        print(problem_line(problem, _, headers), file=sys.stderr)
    print(
        _("{count} problem(s) found; nothing was written.").format(count=len(problems)),
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT


def print_summary(summary: str, _: Gettext, *, dry_run: bool) -> None:
    if dry_run:
        summary = _("Dry run, nothing written: {summary}").format(summary=summary)
    print(summary)


# --- output files ---------------------------------------------------------------------------


def write_output(text: str, out: Path | None, stdout: TextIO | None = None) -> None:
    """``text`` to ``out`` (UTF-8, written atomically), or to the screen without ``out``."""
    if out is None:
        (stdout or sys.stdout).write(text)
        return
    write_bytes(text.encode("utf-8"), out)


BOM = "\ufeff"
"""CSV files start with it so that Excel reads Vietnamese as UTF-8."""


def write_csv(text: str, out: Path | None, *, private: bool = True) -> None:
    """A CSV with its BOM, to ``out`` or to the screen; ``private`` files are owner-only."""
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write((BOM + text).encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    write_bytes((BOM + text).encode("utf-8"), out, private=private)


def check_writable(out: Path) -> None:
    if not out.parent.is_dir():
        raise BadInputError(N_("Folder does not exist: {path}"), path=out.parent)
    if out.is_dir():
        raise BadInputError(N_("{path} is a folder; give a file name"), path=out)


def write_bytes(data: bytes, out: Path, *, private: bool = True) -> None:
    """Writes through a new temporary file, so a failure never leaves half a file.

    ``private`` (the default: invite sheets, report exports and schedules name people)
    makes it readable by its owner only, from the first byte on; figures only (``stats``)
    pass ``private=False``.
    """
    from bot.services.files.output import write_atomically

    check_writable(out)
    try:
        write_atomically(data, out, private=private)
    except OSError as error:
        raise BadInputError(
            N_("Cannot write {path}: {error}"), path=out, error=error.strerror
        ) from None
