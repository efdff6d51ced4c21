"""Alembic, driven from the program (``db upgrade``, ``run``) and from tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import bot.models  # noqa: F401 - registers the tables on SQLModel.metadata
import migrations

SCRIPT_LOCATION = Path(migrations.__file__).parent


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every pending revision in one transaction."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def schema_drift(engine: AsyncEngine) -> list[object]:
    """What autogenerate would still change: empty when migrations match the models."""
    async with engine.connect() as connection:
        return await connection.run_sync(_diff)
