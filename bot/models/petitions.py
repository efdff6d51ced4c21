"""The register of petitions and voters' opinions, and every change made to it.

``citizen`` and ``summary`` are personal data (Decree 13/2023): only the receiving
delegate and the council's secretaries see them, and they are never logged.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime


class Petition(SQLModel, table=True):
    """One item of the register: a petition (from a reception) or a voters' opinion."""

    __tablename__ = "petitions"
    __table_args__ = (
        UniqueConstraint("council_id", "ref", name="uq_petitions_council_ref"),
        # The office's follow-up: forwarded items still awaiting an answer, by due date.
        Index("ix_petitions_council_due", "council_id", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id")
    # The office's register number (``15/2026``), unique within the council.
    ref: str = Field(max_length=64)
    source: str = Field(sa_column=Column(String(16), nullable=False))
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    delegate_id: int | None = Field(default=None, foreign_key="delegates.id", index=True)
    # The report it was recorded from in the bot (None: entered by file).
    report_id: int | None = Field(default=None, foreign_key="reports.id", index=True)
    type: str = Field(sa_column=Column(String(16), nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    citizen: str = Field(default="", sa_column=Column(Text, nullable=False))
    # None while nobody has said what was done with it (a draft from the bot).
    action: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    agency: str = Field(default="", max_length=255)
    forwarded_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    answered_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    # When the answer was recorded: a voter meeting's reminder lists those since the last.
    answer_recorded_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PetitionChange(SQLModel, table=True):
    """Every version of every register item, written in the same transaction as the change."""

    __tablename__ = "petition_changes"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: int = Field(foreign_key="petitions.id", index=True)
    version: int
    # The whole item as it was saved (JSON), who saved it and how (bot | import).
    content: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(8), nullable=False))
    actor: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
