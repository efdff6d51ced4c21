"""Availability: absence periods, released assignments and their stand-in offers, and
the answers to session reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime


def _utc(*, nullable: bool) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Absence(SQLModel, table=True):
    """A period a delegate cannot attend (``/vang`` or ``delegates away``), local dates."""

    __tablename__ = "absences"

    id: int | None = Field(default=None, primary_key=True)
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    reason: str = Field(sa_column=Column(String(16), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(8), nullable=False))  # bot | cli
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Release(SQLModel, table=True):
    """An assignment its delegate gave up (``Xin vắng``), and who stands in.

    The released assignment is cancelled (so it counts nowhere); the stand-in gets an
    assignment of their own. ``taken_by`` is set by one conditional UPDATE
    (``… WHERE taken_by IS NULL``): the first ``Nhận thay`` wins, in any process.
    """

    __tablename__ = "assignment_releases"
    __table_args__ = (UniqueConstraint("assignment_id", name="uq_releases_assignment"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id")
    occurrence_id: int = Field(foreign_key="occurrences.id", index=True)
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    reason: str = Field(sa_column=Column(String(16), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    absence_id: int | None = Field(default=None, foreign_key="absences.id")
    released_at: datetime = Field(sa_column=_utc(nullable=False))
    taken_by: int | None = Field(default=None, foreign_key="delegates.id")
    taken_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Who chose the stand-in: "" when they took an offer, else the office's actor id.
    assigned_by: str = Field(default="", max_length=128)
    stand_in_assignment_id: int | None = Field(default=None, foreign_key="assignments.id")
    # Bumped each time the office is asked (again): part of the escalation rows' key.
    escalations: int = Field(default=0)
    escalated_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class SubstituteOffer(SQLModel, table=True):
    """One candidate asked to stand in for one release."""

    __tablename__ = "substitute_offers"
    __table_args__ = (
        UniqueConstraint("release_id", "delegate_id", name="uq_offers_release_delegate"),
    )

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="assignment_releases.id", index=True)
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    status: str = Field(sa_column=Column(String(16), nullable=False))
    offered_at: datetime = Field(sa_column=_utc(nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class SessionAnswer(SQLModel, table=True):
    """A delegate's answer to a session reminder: ``attend`` or ``absent`` (with reason)."""

    __tablename__ = "session_answers"
    __table_args__ = (UniqueConstraint("assignment_id", name="uq_session_answers_assignment"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id")
    occurrence_id: int = Field(foreign_key="occurrences.id", index=True)
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    answer: str = Field(sa_column=Column(String(8), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    absence_id: int | None = Field(default=None, foreign_key="absences.id")
    answered_at: datetime = Field(sa_column=_utc(nullable=False))
