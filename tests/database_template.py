"""One SQLite database migrated per test session, copied for each test that needs one.

Running the 8 Alembic revisions costs about 0.3 s; a file copy costs a millisecond. The
template is migrated on first use into the folder ``set_folder`` was given (the session's
temporary folder, see ``tests/conftest.py``), then closed in rollback-journal mode so that
the one file holds everything: no ``-wal`` file is left behind to be missed by the copy.
Each connection of ``bot.db.create_engine`` switches the copy back to WAL, as it does for a
new file. ``tests/test_migrations.py`` still migrates empty databases for real.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.db import create_engine
from bot.migrate import upgrade

_folder: Path | None = None
_template: Path | None = None


def set_folder(folder: Path) -> None:
    """Where the template is made; without it, a temporary folder of its own."""
    global _folder
    _folder = folder


async def _migrate(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode=DELETE")).scalar()
        assert mode == "delete", f"the template is still in {mode} mode"
    finally:
        await engine.dispose()
    _assert_one_file(path)


def _assert_one_file(path: Path) -> None:
    leftovers = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    assert not leftovers, f"the template left {leftovers}: a copy of {path} would be incomplete"


def _new_path() -> Path:
    folder = _folder or Path(tempfile.mkdtemp(prefix="delegate-bot-template-"))
    path = folder / "migrated-template.db"
    path.unlink(missing_ok=True)  # left by a first call that failed
    return path


async def template() -> Path:
    """The migrated template, made on the first call of this process (tests run one at a
    time, so two first calls cannot overlap)."""
    global _template
    if _template is None:
        path = _new_path()
        await _migrate(path)
        _template = path
    return _template


def sqlite_path(url: str) -> Path:
    """The file of an SQLite URL."""
    database = make_url(url).database
    assert database, url
    return Path(database)


def _copy(source: Path, database: Path) -> None:
    if database.exists():
        raise FileExistsError(f"{database} exists: a migrated copy would replace it")
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, database)


async def copy_migrated(database: Path) -> None:
    """Puts a migrated, empty database at ``database`` (which must not exist yet)."""
    _copy(await template(), database)
