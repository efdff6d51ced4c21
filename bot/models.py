"""Database tables. Every change lands through a new Alembic revision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime
from bot.domain.roster import Role


def _utc(*, nullable: bool, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Council(SQLModel, table=True):
    __tablename__ = "councils"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class Delegate(SQLModel, table=True):
    __tablename__ = "delegates"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=255)
    council_id: int = Field(foreign_key="councils.id", index=True)
    level: str = Field(sa_column=Column(String(16), nullable=False))
    unit: str = Field(default="", max_length=255)
    constituency: str = Field(default="", max_length=255)
    phone: str = Field(default="", max_length=32)
    role: str = Field(default=Role.delegate.value, sa_column=Column(String(16), nullable=False))
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    language: str = Field(default="vi", max_length=8)
    reachable: bool = Field(default=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Invite(SQLModel, table=True):
    __tablename__ = "invites"

    id: int | None = Field(default=None, primary_key=True)
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    # Only the SHA-256 of the token is kept: a leaked database does not leak working links.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    used_by_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class UserPreference(SQLModel, table=True):
    """Language chosen by a Telegram user who is not linked to a delegate yet."""

    __tablename__ = "user_preferences"

    telegram_user_id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False)
    )
    language: str = Field(max_length=8)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    details: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=_utc(nullable=False))
