"""Availability rules: who may stand in, in which order, when the office is asked.

Pure: plain values in, plain values out. The services read the database into these
shapes and write back what the rules decide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

RELEASABLE_KINDS: frozenset[str] = frozenset({"reception", "voter_meeting", "supervision"})
"""Kinds whose first reminder and /lich item offer ``Xin vắng`` (a release)."""
ABSENCE_RELEASES: frozenset[str] = RELEASABLE_KINDS | {"other"}
"""Kinds an absence period releases; a session is answered ``absent`` instead, and a
deadline (a document due) is not a presence and stays."""
SESSION_KIND = "session"


class AwayReason(StrEnum):
    clash = "clash"  # Trùng lịch công tác
    personal = "personal"  # Ốm đau, việc riêng
    other = "other"  # Lý do khác (+ text)


class OfferStatus(StrEnum):
    pending = "pending"
    declined = "declined"
    taken = "taken"  # this candidate stands in
    lost = "lost"  # someone else took the place first
    withdrawn = "withdrawn"  # the release ended otherwise (cancelled, started)


class Answer(StrEnum):
    attend = "attend"
    absent = "absent"
    none = "none"


@dataclass(frozen=True)
class Candidate:
    """A pool delegate seen from one release: what decides whether and when they are asked."""

    delegate_id: int
    pool_index: int
    linked: bool
    reachable: bool
    away: bool
    """Has an absence covering the occurrence's day."""
    busy: bool
    """Already assigned to an occurrence overlapping this one (or to this one)."""
    quarter_load: int
    """Active assignments in the occurrence's quarter."""

    @property
    def eligible(self) -> bool:
        return self.linked and self.reachable and not self.away and not self.busy


def order_candidates(candidates: Iterable[Candidate]) -> list[int]:
    """Eligible candidates' ids, fewest assignments in the quarter first, then pool order."""
    eligible = [c for c in candidates if c.eligible]
    return [c.delegate_id for c in sorted(eligible, key=lambda c: (c.quarter_load, c.pool_index))]


def is_rota(per_occurrence: int | None, pool_size: int) -> bool:
    """A rota picks some of the pool for each occurrence; otherwise everyone attends."""
    return per_occurrence is not None and 0 < per_occurrence < pool_size


def next_offers(
    ordered: Sequence[int], offered: Mapping[int, OfferStatus], fanout: int
) -> list[int]:
    """Whom to offer the place now: up to ``fanout`` open offers at once, each refusal
    making room for the next candidate in order; nobody is asked twice."""
    pending = sum(1 for status in offered.values() if status is OfferStatus.pending)
    room = max(fanout - pending, 0)
    return [d for d in ordered if d not in offered][:room]


def escalation_due(
    *,
    starts_at: datetime,
    now: datetime,
    escalate_before: timedelta,
    rota: bool,
    candidates_left: int,
    pending: int,
) -> bool:
    """Whether the office must now choose: no rota, nobody left to ask, or too close."""
    if not rota:
        return True
    if candidates_left == 0 and pending == 0:
        return True
    return now >= starts_at - escalate_before


def overlaps(
    a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None
) -> bool:
    """Two occurrences overlap; one without an end lasts an hour for this purpose."""
    hour = timedelta(hours=1)
    return a_start < (b_end or b_start + hour) and b_start < (a_end or a_start + hour)


def covers(starts_on: date, ends_on: date, day: date) -> bool:
    return starts_on <= day <= ends_on


# --- /vang DD/MM/YYYY [DD/MM/YYYY] [lý do] ----------------------------------------------------


class AwayInputError(ValueError):
    """A /vang or ``delegates away`` input that cannot be read; ``args`` carry a msgid."""


_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")
MAX_ABSENCE = timedelta(days=366)
MAX_REASON = 500


def parse_day(text: str) -> date | None:
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        if match.group(1):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        return None


@dataclass(frozen=True)
class AwayRequest:
    starts_on: date
    ends_on: date
    note: str


def check_period(starts_on: date, ends_on: date, today: date) -> None:
    """Refuses a period that ends before it starts, lies in the past or is too long."""
    if ends_on < starts_on:
        raise AwayInputError("The end date is before the start date.")
    if ends_on < today:
        raise AwayInputError("This period is already over.")
    if ends_on - starts_on > MAX_ABSENCE:
        raise AwayInputError("An absence can last at most one year.")


def parse_away(arguments: Sequence[str], today: date) -> AwayRequest:
    """``DD/MM/YYYY [DD/MM/YYYY] [reason…]``; one date is a one-day absence."""
    if not arguments:
        raise AwayInputError("Write the first day of the absence, e.g. /vang 10/03/2027.")
    starts_on = parse_day(arguments[0])
    if starts_on is None:
        raise AwayInputError("Write the first day of the absence, e.g. /vang 10/03/2027.")
    rest = list(arguments[1:])
    ends_on = parse_day(rest[0]) if rest else None
    if ends_on is not None:
        rest = rest[1:]
    ends_on = ends_on or starts_on
    check_period(starts_on, ends_on, today)
    note = " ".join(rest).strip()[:MAX_REASON]
    return AwayRequest(starts_on, ends_on, note)
