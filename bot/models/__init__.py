"""Database tables. Every change lands through a new Alembic revision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from bot.db import UTCDateTime
from bot.domain.roster import Role


def _utc(*, nullable: bool, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Council(SQLModel, table=True):
    __tablename__ = "councils"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    # The name people say ("HĐND xã Mỹ Lộc"); the code until a roster names it.
    name: str = Field(max_length=255)
    # ``province|district|commune`` (bot.domain.roster.Level), from the roster; it names the
    # office (bot.messages.office). ``None`` for a council created before 0014.
    level: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # The upper council (a commune's province): its office may reach this one.
    parent_id: int | None = Field(default=None, foreign_key="councils.id", nullable=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class Delegate(SQLModel, table=True):
    """A delegate's (or an office account's) record. Never deleted, only deactivated
    (``active``): reports, outbox rows and the term's figures keep pointing at it, the
    outbox without a foreign key (``tests/test_never_deleted.py``)."""

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
    # Chức vụ ("Chủ tịch HĐND", "Trưởng Ban Pháp chế"): the Standing Committee is read from
    # it (bot.domain.titles), never from ``role``, which is the bot's access right.
    title: str = Field(default="", max_length=255)
    # Whether ``title`` is the Standing Committee's, kept with it so that statistics can
    # filter in SQL.
    standing_committee: bool = Field(default=False)
    # Tổ đại biểu and Ban: names, used as broadcast targets.
    group_name: str = Field(default="", max_length=255)
    committee: str = Field(default="", max_length=255)
    # Not unique: one person may sit on two councils (a delegate record in each).
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, index=True)
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


class CalendarDay(SQLModel, table=True):
    """A secretariat-managed exception to the public-holiday calendar."""

    __tablename__ = "calendar_exceptions"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))  # off | workday
    note: str = Field(default="", max_length=255)


class Event(SQLModel, table=True):
    """One row of a schedule file: a single event or a recurring rule."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("council_id", "key", name="uq_events_council_key"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id", index=True)
    # Identity across re-imports: the file's `ref` column, else kind + title.
    key: str = Field(max_length=512)
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    title: str = Field(max_length=255)
    location: str = Field(default="", max_length=255)
    # The first occurrence as written in the file; rules expand in the council's zone.
    starts_at: datetime = Field(sa_column=_utc(nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    recurrence: str | None = Field(default=None, max_length=512)
    until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    shift: str = Field(sa_column=Column(String(32), nullable=False))
    per_occurrence: int | None = Field(default=None)
    # Receptions: "periodic" (the council's own, e.g. the 10th and 20th) or "delegate"
    # (delegates by assignment, the default); None for the other kinds and before 0015.
    category: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # Delegate codes in pool order, ';'-separated, resolved from the file's `delegates`.
    pool: str = Field(default="", sa_column=Column(Text, nullable=False))
    source_row: int | None = Field(default=None)
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Occurrence(SQLModel, table=True):
    """One dated instance of an event, after the working-day shift."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("event_id", "original_date", name="uq_occurrences_event_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", index=True)
    # The date the rule produced before shifting: a stable key even when the shift changes.
    original_date: date = Field(sa_column=Column(Date, nullable=False))
    # Position in the rule's full sequence, which drives the round-robin rota.
    sequence: int = Field(default=0)
    starts_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    ends_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    location: str = Field(default="", max_length=255)
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    changed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # What the last move (at ``changed_at``) replaced, for "before → after" notices;
    # ``None`` when the last change was not a move (e.g. a cancelled one brought back).
    previous_starts_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    previous_ends_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    previous_location: str | None = Field(default=None, max_length=255)
    # Set when that move was the holiday shift: the day off it left (``shifted_from``)
    # and that day's name ("" when it has none, e.g. a weekend), in Vietnamese.
    shifted_from: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    shift_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Assignment(SQLModel, table=True):
    """One delegate expected at one occurrence. Never deleted, only cancelled
    (``cancelled_at``), like :class:`Delegate`."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "delegate_id", name="uq_assignments_occurrence_delegate"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="occurrences.id", index=True)
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Set when the time or place changed after the delegate was told; the reminder
    # engine sends one "schedule changed" message and clears it.
    changed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The delegate's unit when assigned: statistics count a delegate who later moved
    # under the unit they served then.
    unit: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class PendingUpload(SQLModel, table=True):
    """A schedule file a secretary sent, waiting for Confirm or Cancel (survives restarts)."""

    __tablename__ = "pending_uploads"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="pending", sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The councils the file is the schedule of, as " 1 2 " (``None``: staged before 0010).
    # A newer upload of any of them supersedes this one while it is pending.
    council_ids: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A message the scheduler will send: written before anything goes to Telegram.

    ``(kind, dedupe_key)`` is unique, so planning twice never creates a second row.
    Rows due for the same chat at the same moment are sent as one merged message.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("kind", "dedupe_key", name="uq_outbox_kind_key"),
        Index("ix_outbox_status_due", "status", "due_at"),
        # The planner's lookup; without it databases scan the unique index instead.
        Index("ix_outbox_assignment_kind", "assignment_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    dedupe_key: str = Field(max_length=255)
    # delegates.id and assignments.id, without foreign keys (migration 0016): neither is
    # ever deleted, and checking both on every planned row cost the planner 48.3 s
    # instead of 28.0 s for a quarter at 100,000 delegates on PostgreSQL.
    delegate_id: int | None = Field(default=None, index=True)
    # For recipients who are not delegates (admins); delegates are looked up at send time.
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    assignment_id: int | None = Field(default=None)
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    # When what it is about begins: past that, an unsent row is `missed`, not sent late.
    expires_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    status: str = Field(default="pending", sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0)
    lease_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    lease_owner: str | None = Field(default=None, max_length=128)
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    telegram_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The class of the last failure (services.outbox_payloads.OutboxFailure): what decides,
    # say, that a row comes back when its recipient unblocks the bot; last_error is for people.
    failure_reason: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # A send whose request went out but whose answer never came: it may have arrived.
    outcome_uncertain: bool = Field(default=False)
    late: bool = Field(default=False)
    payload: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Claimed lowest first among due rows, so a long broadcast never holds up a reminder.
    priority: int = Field(default=0)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Report(SQLModel, table=True):
    """The current completion report of one assignment (its history is in report_versions).

    Figures belong to the occurrence: when several delegates share one, exactly one
    report ``carries_figures`` and the others confirm attendance, so sums never count
    one occurrence twice.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("assignment_id", name="uq_reports_assignment"),
        Index("ix_reports_occurrence_carrier", "occurrence_id", "carries_figures"),
        # At most one report per occurrence carries figures, whoever writes at the same time.
        Index(
            "uq_reports_occurrence_figures",
            "occurrence_id",
            unique=True,
            sqlite_where=text("carries_figures"),
            postgresql_where=text("carries_figures"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id")
    occurrence_id: int = Field(foreign_key="occurrences.id")
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    held: bool
    reason: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    citizens: int | None = None
    petitions: int | None = None
    forwarded: int | None = None
    voters: int | None = None
    opinions: int | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    carries_figures: bool = Field(default=False)
    source: str = Field(sa_column=Column(String(8), nullable=False))  # bot | import
    version: int = Field(default=1)
    reported_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class ReportVersion(SQLModel, table=True):
    """Every version of every report, written in the same transaction as the change."""

    __tablename__ = "report_versions"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    version: int
    # The whole report as it was saved (JSON), and who saved it.
    content: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(String(8), nullable=False))
    actor: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_column=_utc(nullable=False))


class Conversation(SQLModel, table=True):
    """What a user is in the middle of (a report, a broadcast draft), kept across restarts.

    One open conversation per user; a new one replaces it, and it lapses at ``expires_at``.
    """

    __tablename__ = "conversations"

    telegram_user_id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False)
    )
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    state: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Broadcast(SQLModel, table=True):
    """A notice from the secretariat to a set of delegates, copied from the secretary's chat."""

    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id", index=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    # What the secretary chose ("all", "unit:…"), kept to describe the broadcast later.
    audience: str = Field(default="", max_length=512)
    source_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    source_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # An album (several photos or documents sent together): the ids of its other parts,
    # " "-separated, after ``source_message_id``; copied with one copyMessages.
    album_message_ids: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The confirmation message, edited in place as deliveries progress.
    progress_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    progress_message_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    progress_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    progress_edited_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    status: str = Field(default="draft", sa_column=Column(String(16), nullable=False))
    ack_deadline: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # A correction is sent as a reply to each recipient's copy of the original.
    corrects_id: int | None = Field(default=None, foreign_key="broadcasts.id")
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class BroadcastRecipient(SQLModel, table=True):
    """One delegate of a broadcast: its delivery (an outbox row) and acknowledgement."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "delegate_id", name="uq_broadcast_recipient"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcasts.id")
    delegate_id: int = Field(foreign_key="delegates.id", index=True)
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    # Why no copy was queued: not_linked | blocked | inactive (None: queued).
    skipped_reason: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    nudged_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


# Each feature's own tables live in a module of this package and are imported
# below, so that importing bot.models registers every table on SQLModel.metadata
# (Alembic and the schema check rely on it). One line per feature module.
from bot.models.availability import Absence as Absence
from bot.models.availability import Release as Release
from bot.models.availability import SessionAnswer as SessionAnswer
from bot.models.availability import SubstituteOffer as SubstituteOffer
from bot.models.broadcast_notices import BroadcastNotice as BroadcastNotice
from bot.models.petitions import Petition, PetitionChange  # noqa: F401
