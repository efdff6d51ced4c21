"""The kinds of outbox row and what each row carries: one typed payload model per kind.

A payload model is the row half of a kind's registration (its send half, how to load and
render it, is its ``KindSpec`` in ``jobs/``, which names this model). It says what the
planner writes and the loader reads (``pack``/``unpack``, never a dict parsed by string
keys), how urgently rows of the kind are claimed, and whether a row that failed because
its recipient could not be reached comes back when they write to the bot again. Those
two live here, not in ``jobs/``, because services write the rows and revive them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    field_validator,
)

from bot.domain.menus import CommandMenu, MenuWanted


class OutboxKind(StrEnum):
    reminder = "reminder"
    change = "change"  # time or place of an assignment changed
    cancellation = "cancellation"
    addition = "addition"  # a duty of today added after the morning digest went out
    digest = "digest"
    summary = "summary"  # the secretariat's daily list of failures and missing reports
    report_prompt = "report_prompt"  # "did it take place?" after an assignment
    broadcast = "broadcast"  # one delegate's copy of a secretariat notice
    broadcast_nudge = "broadcast_nudge"  # "please acknowledge" at the deadline
    menu_reset = "menu_reset"  # a chat's command menu and Mini App button follow its records

    substitute_offer = "substitute_offer"  # "stand in for …?" with Nhận thay / Không nhận
    substitute_escalation = "substitute_escalation"  # the office chooses a stand-in
    substitute_news = "substitute_news"  # who stands in; the office's choice to the stand-in
    offer_closed = "offer_closed"  # an offer already sent, edited: the place is taken, or gone

    petition_answer = "petition_answer"  # the agency answered an item the delegate received


URGENT = 0
"""Priority of messages tied to a moment (reminders, report prompts): claimed first."""
BULK = 10
"""Priority of long runs of copies (broadcasts): sent whenever nothing urgent is due."""


class Revive(StrEnum):
    """Whether a row that failed because its recipient could not be reached is queued
    again when they write to the bot (``services.outbox.reachability.mark_reachable``)."""

    until_expiry = "until_expiry"
    """While what it announces is still ahead (``expires_at``): reminders, notices, the
    day's summary. A row without an expiry does not come back."""
    recent = "recent"
    """If it failed in the last days (``REVIVE_WITHIN``): undated messages such as report
    prompts and broadcast copies, which are still worth reading late."""


class OutboxFailure(StrEnum):
    """Why a row was not delivered, as the notifier classified it (``failure_reason``)."""

    blocked = "blocked"  # Telegram said 403, or that the chat does not exist
    unreachable = "unreachable"  # not tried: the recipient was already known unreachable
    not_linked = "not_linked"  # the delegate has no Telegram account linked
    inactive = "inactive"
    no_recipient = "no_recipient"
    # Sending it again would fail the same way: Telegram said 400, or this process cannot
    # build it (a Mini App button without WEBAPP_URL; the menu sync plans it anew once set).
    rejected = "rejected"
    invalid = "invalid"  # the row itself cannot be read (an unknown kind, a bad payload)
    rate_limited = "rate_limited"
    transient = "transient"  # the network, a 5xx, a bug: retried
    uncertain = "uncertain"  # the request left and no answer came: it may have arrived


REVIVABLE = frozenset({OutboxFailure.blocked, OutboxFailure.unreachable})
"""Failures that end when the person writes to the bot again."""


class Payload(BaseModel):
    """What a row of one kind carries, stored as JSON in ``outbox.payload``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: ClassVar[OutboxKind]
    priority: ClassVar[int] = URGENT
    revive: ClassVar[Revive] = Revive.until_expiry

    def pack(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def unpack(cls, text: str) -> Self:
        """The payload of a stored row; a row written before its kind had fields reads
        as their defaults, and a malformed one raises ``pydantic.ValidationError``."""
        return cls.model_validate_json(text or "{}")


class ReminderPayload(Payload):
    kind = OutboxKind.reminder
    lead: str = ""
    """Which lead time ("1d", "2h", "catchup"): for whoever reads the table."""

    _packed: ClassVar[dict[str, str]] = {}
    """A planned quarter packs 170,000 of these with a handful of distinct leads."""

    def pack(self) -> str:
        packed = self._packed.get(self.lead)
        if packed is None:
            packed = self._packed[self.lead] = super().pack()
        return packed


class ChangePayload(Payload):
    kind = OutboxKind.change


class CancellationPayload(Payload):
    kind = OutboxKind.cancellation


class AdditionPayload(Payload):
    kind = OutboxKind.addition


class DigestPayload(Payload):
    kind = OutboxKind.digest
    day: date


class SummaryPayload(Payload):
    kind = OutboxKind.summary
    councils: tuple[int, ...]
    since: datetime
    """Failures and missed rows counted from here."""
    overdue_before: datetime | None = None
    """Assignments that ended before this and have no report are listed."""
    sessions_on: date | None = None
    """The answers to this day's sessions are shown (availability: the day before)."""
    attendance_only: bool = False
    """For a Standing Committee member (Thường trực HĐND): only those answers."""

    petitions_on: date | None = None
    """Petitions' answers overdue, or due within DUE_SOON_DAYS, on this day are listed."""


class ReportPromptPayload(Payload):
    kind = OutboxKind.report_prompt
    revive = Revive.recent
    step: str = "prompt"
    """``prompt``, ``followup``, ``later`` (the delegate's "remind me later") or ``office``
    (the office's «Nhắc báo cáo» under ``/chuabaocao``)."""
    ends: int | None = None
    """The assignment's end (epoch seconds) it was planned for: moved since, it is moot."""


class BroadcastPayload(Payload):
    kind = OutboxKind.broadcast
    priority = BULK
    revive = Revive.recent
    broadcast: int


class BroadcastNudgePayload(BroadcastPayload):
    kind = OutboxKind.broadcast_nudge


StoredMenu = Annotated[
    MenuWanted,
    BeforeValidator(
        lambda value: MenuWanted.from_stored(value) if isinstance(value, str) else value
    ),
    PlainSerializer(lambda menu: menu.stored(), return_type=str),
]
"""A chat's menus as a row stores them (``office:vi``, ``delegate:en``, ``none``)."""


class MenuResetPayload(Payload):
    """No message: a chat's menus brought in line with its records when the row goes out
    (see ``bot/services/menus/``). Each field is what was planned, the outbox's memory of
    what the chat was given; ``None`` leaves that menu alone.

    ``commands``: the command menu, the secretariat's (set in the chat's scope) or the
    delegate's (the chat's own deleted, so the default shows). ``button``: the Mini App's
    menu button (``UNLINKED``: Telegram's default button again)."""

    kind = OutboxKind.menu_reset
    commands: CommandMenu | None = None
    button: StoredMenu | None = None
    admin: bool = False
    """The chat is an admin's (from the settings, not the records): the office's menus."""

    @field_validator("commands", mode="before")
    @classmethod
    def _commands_of_old_rows(cls, value: object) -> object:
        """Rows written before the audience was stored carry ``commands: true`` (delete
        the chat's own menu: a demoted secretary) or ``false`` (leave it alone)."""
        if isinstance(value, bool):
            return CommandMenu.delegate if value else None
        return value

    @classmethod
    def unpack(cls, text: str) -> Self:
        """A row's payload. The first rows of this kind had no fields at all and meant one
        thing only, a demoted secretary's command menu deleted: they read so. (A default
        of ``commands`` that did the same would delete a secretary's menu whenever a
        planner forgot to say otherwise, so the default is ``None`` and old rows are
        read here instead.)"""
        if (text or "{}").strip() == "{}":
            return cls(commands=CommandMenu.delegate)
        return super().unpack(text)


class SubstituteOfferPayload(Payload):
    kind = OutboxKind.substitute_offer
    offer: int


class SubstituteEscalationPayload(Payload):
    kind = OutboxKind.substitute_escalation
    release: int


class OfferClosedPayload(Payload):
    """An edit, not a new message: the offer's own message loses its buttons and says
    why (another delegate took the place, or the duty began or was cancelled)."""

    kind = OutboxKind.offer_closed
    offer: int


class SubstituteNewsPayload(Payload):
    kind = OutboxKind.substitute_news
    release: int
    news: str = "found"
    """``found`` (to the absent delegate and the office), ``assigned`` (to the delegate
    the office chose, with ``Không nhận``), ``declined`` (to the office: they refused)."""


class PetitionAnswerPayload(Payload):
    """Only the item's id: its text (personal data) is read at send time, never stored here."""

    kind = OutboxKind.petition_answer
    revive = Revive.recent
    petition: int
    version: int
    """The item's version the answer was recorded in: a newer answer makes this one moot."""


def _by_kind(models: Iterable[type[Payload]]) -> dict[OutboxKind, type[Payload]]:
    found: dict[OutboxKind, type[Payload]] = {}
    for model in models:
        if model.kind in found:
            raise ValueError(f"two payload models for outbox kind {model.kind}")
        found[model.kind] = model
    return found


PAYLOADS: Mapping[OutboxKind, type[Payload]] = _by_kind(
    (
        ReminderPayload,
        ChangePayload,
        CancellationPayload,
        AdditionPayload,
        DigestPayload,
        SummaryPayload,
        ReportPromptPayload,
        BroadcastPayload,
        BroadcastNudgePayload,
        MenuResetPayload,
        SubstituteOfferPayload,
        SubstituteEscalationPayload,
        SubstituteNewsPayload,
        OfferClosedPayload,
        PetitionAnswerPayload,
    )
)
