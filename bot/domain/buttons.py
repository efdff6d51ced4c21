"""The data of every button the bot issues, one registered type per prefix.

Kept in one module so that the prefixes are seen together (and tested unique) and so
that renderers in jobs and handlers in ``bot/telegram`` share one definition. The
string forms are those of earlier releases, so buttons already sent keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.availability import AwayReason
from bot.domain.callbacks import Callback, callback
from bot.domain.reports import NotHeldReason

# --- completion reports: rp:<action>:<assignment>[:<reason>] ----------------------------------


class ReportAction(StrEnum):
    held = "held"
    edit = "edit"
    not_held = "no"
    reason = "why"
    later = "later"
    confirm = "ok"
    attend = "att"
    pick = "pick"
    cancel = "cancel"
    nobody = "none"  # "Không có công dân đến": held, 0 citizens and 0 petitions at once


@callback("rp")
@dataclass(frozen=True)
class ReportButton(Callback):
    action: ReportAction
    assignment_id: int
    reason: NotHeldReason | None = None


# --- the agenda --------------------------------------------------------------------------------


class AgendaAction(StrEnum):
    show = "show"
    ics = "ics"


@callback("agenda")
@dataclass(frozen=True)
class AgendaButton(Callback):
    action: AgendaAction


# --- /chuabaocao: the prompt again to every delegate listed ----------------------------------


@callback("miss:nudge")
@dataclass(frozen=True)
class NudgeMissingButton(Callback):
    """Every council the office acts on: the list ``/chuabaocao`` gave."""


# --- statistics: a council (none: every council), then a quarter ------------------------------


@callback("stats:c")
@dataclass(frozen=True)
class StatsCouncilButton(Callback):
    council_id: int | None


@callback("stats:q")
@dataclass(frozen=True)
class StatsQuarterButton(Callback):
    council_id: int | None
    year: int
    quarter: int


# --- a schedule file sent to the bot ----------------------------------------------------------


class UploadDecision(StrEnum):
    confirm = "ok"  # the file is the whole schedule: write it, cancelling what it lacks
    cancel = "no"
    merge = "add"  # "Chỉ thêm và cập nhật": add and update only, cancel nothing


@callback("upload")
@dataclass(frozen=True)
class UploadButton(Callback):
    decision: UploadDecision
    upload_id: int


# --- broadcasts: composing ---------------------------------------------------------------------


class RecipientChoice(StrEnum):
    all = "all"
    secretaries = "sec"
    level = "level"  # no longer offered (one council has one level); old menus still work
    unit = "unit"
    codes = "codes"
    standing = "std"
    children = "kids"  # every delegate of the councils under this one
    children_standing = "kstd"  # their Standing Committees


class LevelChoice(StrEnum):
    province = "province"
    district = "district"
    commune = "commune"


@callback("bc:to")
@dataclass(frozen=True)
class RecipientsButton(Callback):
    choice: RecipientChoice


@callback("bc:lv")
@dataclass(frozen=True)
class LevelButton(Callback):
    level: LevelChoice


@callback("bc:un")
@dataclass(frozen=True)
class UnitButton(Callback):
    index: int
    """Position in the unit list the menu showed (kept in the conversation)."""


@callback("bc:cc")
@dataclass(frozen=True)
class CouncilButton(Callback):
    council_id: int


@callback("bc:stop")
@dataclass(frozen=True)
class StopComposingButton(Callback):
    pass


# --- broadcasts: the draft's preview -----------------------------------------------------------


@callback("bc:ok")
@dataclass(frozen=True)
class ConfirmBroadcastButton(Callback):
    broadcast_id: int


@callback("bc:no")
@dataclass(frozen=True)
class CancelBroadcastButton(Callback):
    broadcast_id: int


@callback("bc:who")
@dataclass(frozen=True)
class UnreachableButton(Callback):
    broadcast_id: int


@callback("bc:dl")
@dataclass(frozen=True)
class DeadlineButton(Callback):
    broadcast_id: int
    hours: int
    """0: no deadline."""


# --- broadcasts: delivery, acknowledgement, the office's report -------------------------------


@callback("bc:ack")
@dataclass(frozen=True)
class AcknowledgeButton(Callback):
    recipient_id: int


@callback("bc:rep")
@dataclass(frozen=True)
class BroadcastReportButton(Callback):
    broadcast_id: int


class NameList(StrEnum):
    not_acknowledged = "n"
    failed = "f"
    acknowledged = "a"


@callback("bc:nm")
@dataclass(frozen=True)
class NamesButton(Callback):
    broadcast_id: int
    names: NameList


@callback("bc:xl")
@dataclass(frozen=True)
class BroadcastWorkbookButton(Callback):
    broadcast_id: int


@callback("bc:fix")
@dataclass(frozen=True)
class CorrectionButton(Callback):
    broadcast_id: int


# --- availability: Xin vắng, stand-ins, session answers, absences ------------------------------


@callback("av:rel")
@dataclass(frozen=True)
class ReleaseButton(Callback):
    """``Xin vắng`` on an assignment; without a reason it asks for one."""

    assignment_id: int
    reason: AwayReason | None = None


class OfferAnswer(StrEnum):
    take = "take"
    decline = "no"


@callback("av:off")
@dataclass(frozen=True)
class StandInButton(Callback):
    """``Nhận thay`` / ``Không nhận`` on an offer (or on the office's choice)."""

    offer_id: int
    answer: OfferAnswer


@callback("av:pick")
@dataclass(frozen=True)
class ChooseStandInButton(Callback):
    """The office assigns ``delegate_id`` to stand in for a release."""

    release_id: int
    delegate_id: int


class SessionChoice(StrEnum):
    attend = "att"
    absent = "abs"


@callback("av:ses")
@dataclass(frozen=True)
class SessionAnswerButton(Callback):
    """``Tham dự`` / ``Xin vắng`` on a session reminder; an absence asks for a reason."""

    assignment_id: int
    choice: SessionChoice
    reason: AwayReason | None = None


@callback("av:wd")
@dataclass(frozen=True)
class WithdrawAbsenceButton(Callback):
    absence_id: int


# --- the petitions register: pt:<step>:<id>[:<value>] -----------------------------------------


class PetitionStep(StrEnum):
    type = "t"  # id: report; value: the item's type
    action = "a"  # id: report; value: what was done with it
    later = "l"  # id: report; the rest is recorded later (/donthu)
    resume = "r"  # id: report; record its remaining items now
    answer = "ans"  # id: petition; the office records the agency's answer


@callback("pt")
@dataclass(frozen=True)
class PetitionButton(Callback):
    step: PetitionStep
    id: int
    value: str | None = None
