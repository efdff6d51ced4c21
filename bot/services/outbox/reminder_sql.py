"""Reminder rows computed by the database: one ``INSERT … SELECT … ON CONFLICT DO NOTHING``
for every lead of every kind (a ``UNION ALL`` of one branch per lead, and one for the
catch-up notices), over the window's assignments read once.

The rule is :func:`bot.domain.reminders.plan_reminders`, written in SQL over whole
seconds since the epoch: ``due = start − lead``, moved out of the quiet window (to its
end when that is before the start, otherwise to a minute before it began), kept when it
is ahead of ``now`` and before the start; two leads landing on the same moment keep the
shorter one; an assignment planned for the first time after one of its leads has passed
gets one catch-up notice, unless a planned reminder is within the hour of it.

SQLite has no time zones, so the local clock is read with one UTC offset: the SQL path
is taken only when the zone keeps the same offset all through the planning window (Viet
Nam has had +07:00 since 1975), the quiet hours are whole seconds, the leads whole minutes
with distinct labels. Otherwise, and for a start that is not a whole second, the
Python rule plans (``bot.services.outbox.reminders``); ``tests/services/
test_reminder_sql.py`` checks that both give the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import UTCDateTime
from bot.domain.durations import QuietHours, format_duration
from bot.domain.reminders import BEFORE_QUIET_MARGIN, in_quiet_hours
from bot.models import Assignment, Delegate, Event, Occurrence, OutboxMessage
from bot.services.outbox.common import reminder_key_parts
from bot.services.outbox.payloads import ReminderPayload
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxKind, OutboxStatus

DAY = 86_400
HOUR = 3_600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MARGIN = int(BEFORE_QUIET_MARGIN.total_seconds())
_SAMPLE = timedelta(hours=1)
"""Offsets are compared hour by hour: every zone's transitions last longer than that."""

_a = Assignment.__table__  # type: ignore[attr-defined]
_o = Occurrence.__table__  # type: ignore[attr-defined]
_e = Event.__table__  # type: ignore[attr-defined]
_d = Delegate.__table__  # type: ignore[attr-defined]
_x = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SqlClock:
    """The local clock as SQL can read it: one UTC offset, quiet hours in seconds."""

    offset: int
    quiet: tuple[int, int] | None


def _seconds(moment: time) -> int | None:
    if moment.microsecond:
        return None
    return moment.hour * HOUR + moment.minute * 60 + moment.second


def sql_clock(
    *,
    zone: tzinfo,
    quiet: QuietHours | None,
    offsets: Mapping[str, tuple[timedelta, ...]],
    now: datetime,
    until: datetime,
) -> SqlClock | None:
    """The clock for the SQL path, or ``None`` when the Python rule must plan."""
    for leads in offsets.values():
        labels = {format_duration(lead) for lead in set(leads)}
        if len(labels) != len(set(leads)) or any(lead % timedelta(minutes=1) for lead in leads):
            return None
    moment, last = now - timedelta(days=2), until + timedelta(days=2)
    seen: set[timedelta | None] = set()
    while moment <= last + _SAMPLE:
        seen.add(moment.astimezone(zone).utcoffset())
        moment += _SAMPLE
    if len(seen) != 1 or None in seen:
        return None
    (offset,) = seen
    assert offset is not None
    if offset % timedelta(seconds=1):
        return None
    if quiet is None:
        return SqlClock(int(offset.total_seconds()), None)
    start, end = _seconds(quiet.start), _seconds(quiet.end)
    if start is None or end is None:
        return None
    return SqlClock(int(offset.total_seconds()), (start, end))


def _n(value: int) -> ColumnElement[int]:
    """An integer of ours (never user input) written into the statement."""
    return literal_column(str(int(value)), BigInteger)


def _whole_seconds(moment: datetime) -> tuple[int, bool]:
    """Seconds since the epoch (floor), and whether there was a fraction."""
    delta = moment - _EPOCH
    return delta // timedelta(seconds=1), bool(delta % timedelta(seconds=1))


class _Dialect:
    def __init__(self, name: str) -> None:
        self.postgres = name == "postgresql"

    def epoch(self, column: Any) -> ColumnElement[int]:
        if self.postgres:
            # date_part: a double (exact for whole seconds), cheaper than extract's numeric.
            return cast(func.floor(func.date_part("epoch", column)), BigInteger)
        return cast(func.strftime("%s", column), Integer)

    def from_epoch(self, seconds: ColumnElement[int]) -> ColumnElement[Any]:
        if self.postgres:
            return func.to_timestamp(seconds)
        # SQLAlchemy's own storage format for a SQLite DATETIME (microseconds included).
        return func.datetime(seconds, "unixepoch") + literal(".000000")

    def whole_second(self, column: Any) -> ColumnElement[bool]:
        if self.postgres:
            same: ColumnElement[bool] = func.date_trunc("second", column) == column
        else:
            same = func.substr(column, 20) == ".000000"
        return same

    def insert(self) -> Any:
        return (postgresql if self.postgres else sqlite).insert(OUTBOX_TABLE)


def quiet_adjusted(
    due: ColumnElement[int], start: ColumnElement[int], clock: SqlClock
) -> ColumnElement[int]:
    """``apply_quiet_hours`` on epoch seconds (``due`` and ``start`` UTC, whole seconds)."""
    if clock.quiet is None:
        return due
    quiet_start, quiet_end = clock.quiet
    local = due + _n(clock.offset)
    clock_time = local % _n(DAY)
    midnight = local - clock_time
    if quiet_start < quiet_end:
        inside = and_(clock_time >= _n(quiet_start), clock_time < _n(quiet_end))
    else:
        inside = or_(clock_time >= _n(quiet_start), clock_time < _n(quiet_end))
    end = (
        midnight
        + _n(quiet_end - clock.offset)
        + case((clock_time >= _n(quiet_end), _n(DAY)), else_=_n(0))
    )
    before = (
        midnight
        + _n(quiet_start - clock.offset - _MARGIN)
        - case((clock_time < _n(quiet_start), _n(DAY)), else_=_n(0))
    )
    return case((and_(inside, end < start), end), (inside, before), else_=due)


_NOW = bindparam("p_now", type_=UTCDateTime())
_UNTIL = bindparam("p_until", type_=UTCDateTime())
_NOW_FLOOR = bindparam("p_now_floor", type_=BigInteger())
_NOW_CEIL = bindparam("p_now_ceil", type_=BigInteger())
"""``now`` in whole seconds, rounded down and up: an integer ``due`` is before ``now``
exactly when it is before its ceiling, after it when after its floor."""
_QUIET_END = bindparam("p_quiet_end", type_=BigInteger())
_QUIET_END_AT = bindparam("p_quiet_end_at", type_=UTCDateTime())
_ONLY: Any = bindparam("p_only", expanding=True)


@dataclass(frozen=True)
class _Shape:
    """What the statement's form depends on; the moments of the call are parameters, so
    the 5-minute planner builds and compiles it once."""

    dialect: str
    clock: SqlClock
    groups: tuple[tuple[tuple[timedelta, ...], tuple[str, ...]], ...]
    """Lead times, and the kinds that have exactly these."""
    only: bool
    """Restricted to some delegates (``_ONLY``)."""
    quiet_now: bool
    """``now`` is in the quiet hours: a catch-up notice waits for their end."""


def _assignments(dialect: _Dialect, shape: _Shape) -> Any:
    """Active assignments of reachable delegates starting in ``(now, until]``, of the
    kinds with leads, at a whole second: ``aid``, ``did``, ``starts``, ``s`` (its epoch),
    ``kind``. Read once (``MATERIALIZED``) for every lead of every kind: as a subquery of
    each branch, the database joined every assignment of the window once per lead."""
    starts = _o.c.starts_at
    kinds = sorted({kind for _, kinds in shape.groups for kind in kinds})
    conditions = [
        _a.c.cancelled_at.is_(None),
        _o.c.cancelled_at.is_(None),
        starts > _NOW,
        starts <= _UNTIL,
        _d.c.telegram_user_id.is_not(None),
        _d.c.active.is_(True),
        _d.c.reachable.is_(True),
        _e.c.kind.in_(kinds),
        dialect.whole_second(starts),
    ]
    if shape.only:
        conditions.append(_a.c.delegate_id.in_(_ONLY))
    return (
        select(
            _a.c.id.label("aid"),
            _a.c.delegate_id.label("did"),
            starts.label("starts"),
            dialect.epoch(starts).label("s"),
            _e.c.kind.label("kind"),
        )
        .select_from(
            _a.join(_o, _o.c.id == _a.c.occurrence_id)
            .join(_e, _e.c.id == _o.c.event_id)
            .join(_d, _d.c.id == _a.c.delegate_id)
        )
        .where(*conditions)
        .cte("u")
        .prefix_with("MATERIALIZED")
    )


def sql_reminder_key(
    assignment_id: ColumnElement[Any], label: str, seconds: ColumnElement[Any]
) -> ColumnElement[str]:
    """:func:`~bot.services.outbox.common.reminder_key` joined by the database, from the
    same parts (``seconds``: the start as whole seconds since the epoch)."""
    head, assignment, middle, start = reminder_key_parts(
        cast(assignment_id, String), label, cast(seconds, String)
    )
    return literal(head) + assignment + literal(middle) + start


def _row(u: Any, label: str, due_at: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The outbox columns of one reminder row (in ``_COLUMNS`` order)."""
    payload = ReminderPayload(lead=label)
    return [
        literal(OutboxKind.reminder.value),
        sql_reminder_key(u.c.aid, label, u.c.s),
        u.c.did,
        u.c.aid,
        due_at,
        u.c.starts,
        literal(OutboxStatus.pending.value),
        _n(0),
        false(),
        false(),
        literal(payload.pack()),
        _n(payload.priority),
        _NOW,
        _NOW,
    ]


_COLUMNS = [
    "kind",
    "dedupe_key",
    "delegate_id",
    "assignment_id",
    "due_at",
    "expires_at",
    "status",
    "attempts",
    "outcome_uncertain",
    "late",
    "payload",
    "priority",
    "created_at",
    "updated_at",
]


def _selects(
    dialect: _Dialect,
    shape: _Shape,
    u: Any,
    leads: tuple[timedelta, ...],
    kinds: tuple[str, ...],
) -> list[Any]:
    """The catch-up notices, then the rows of each lead, of kinds that share these leads."""
    ours = u.c.kind.in_(kinds)
    due = {
        lead: quiet_adjusted(u.c.s - _n(int(lead.total_seconds())), u.c.s, shape.clock)
        for lead in leads
    }

    def planned(lead: timedelta) -> ColumnElement[bool]:
        return and_(due[lead] >= _NOW_CEIL, due[lead] < u.c.s)

    selects = [_catch_up(shape, u, due, planned).where(ours)]
    for lead in leads:
        shorter = [other for other in leads if other < lead]
        keep = and_(planned(lead), *(due[other] != due[lead] for other in shorter))
        label = format_duration(lead)
        selects.append(select(*_row(u, label, dialect.from_epoch(due[lead]))).where(ours, keep))
    return selects


def _catch_up(shape: _Shape, u: Any, due: dict[timedelta, ColumnElement[int]], planned: Any) -> Any:
    """One notice now (or when the quiet hours end, if before the start) for an
    assignment seen for the first time after a lead passed."""

    def near(moment: ColumnElement[int]) -> ColumnElement[bool]:
        now_near = and_(moment < _NOW_CEIL + _n(HOUR), moment > _NOW_FLOOR - _n(HOUR))
        if not shape.quiet_now:
            return now_near
        end_near = and_(moment < _QUIET_END + _n(HOUR), moment > _QUIET_END - _n(HOUR))
        return case((u.c.s > _QUIET_END, end_near), else_=now_near)

    due_at: ColumnElement[Any] = _NOW
    if shape.quiet_now:
        due_at = case((u.c.s > _QUIET_END, _QUIET_END_AT), else_=_NOW)
    told = exists().where(
        _x.c.kind == OutboxKind.reminder.value,
        _x.c.assignment_id == u.c.aid,
        _x.c.expires_at > _NOW,
        _x.c.expires_at <= _UNTIL,
    )
    missed = or_(*(due[lead] < _NOW_CEIL for lead in due))
    clash = or_(false(), *(and_(planned(lead), near(due[lead])) for lead in due))
    return select(*_row(u, "catchup", due_at)).where(not_(told), missed, not_(clash))


@lru_cache(maxsize=16)
def _statement(shape: _Shape) -> Any:
    """One ``INSERT … SELECT`` of every reminder row, ignoring those already there. In
    one statement, the catch-up rule sees the outbox as it was before the call."""
    dialect = _Dialect(shape.dialect)
    u = _assignments(dialect, shape)
    selects = [
        one for leads, kinds in shape.groups for one in _selects(dialect, shape, u, leads, kinds)
    ]
    return (
        dialect.insert()
        .from_select(_COLUMNS, union_all(*selects))
        .on_conflict_do_nothing(index_elements=["kind", "dedupe_key"])
    )


def _quiet_end_after(now: datetime, clock: SqlClock) -> datetime | None:
    """When ``now`` is in the quiet hours, the moment they end (else ``None``)."""
    if clock.quiet is None:
        return None
    quiet = QuietHours(*(time(s // HOUR, s // 60 % 60, s % 60) for s in clock.quiet))
    local = now.astimezone(UTC) + timedelta(seconds=clock.offset)
    if not in_quiet_hours(local.time(), quiet):
        return None
    end = datetime.combine(local.date(), quiet.end, UTC)
    if end <= local:
        end += timedelta(days=1)
    return end - timedelta(seconds=clock.offset)


async def insert_reminders(
    session: AsyncSession,
    *,
    offsets: Mapping[str, tuple[timedelta, ...]],
    clock: SqlClock,
    now: datetime,
    until: datetime,
    only: Collection[int] | None,
) -> int:
    """Inserts the reminder rows still missing (whole-second starts); how many."""
    groups: dict[tuple[timedelta, ...], list[str]] = defaultdict(list)
    for kind, leads in offsets.items():
        if leads:
            groups[tuple(sorted(set(leads)))].append(kind)
    if not groups:
        return 0
    connection = await session.connection()
    quiet_end = _quiet_end_after(now, clock)
    shape = _Shape(
        dialect=connection.dialect.name,
        clock=clock,
        groups=tuple((leads, tuple(sorted(kinds))) for leads, kinds in sorted(groups.items())),
        only=only is not None,
        quiet_now=quiet_end is not None,
    )
    now_floor, fraction = _whole_seconds(now)
    params: dict[str, Any] = {
        "p_now": now,
        "p_until": until,
        "p_now_floor": now_floor,
        "p_now_ceil": now_floor + int(fraction),
        "p_quiet_end": _whole_seconds(quiet_end)[0] if quiet_end is not None else 0,
        "p_quiet_end_at": quiet_end or now,
    }
    if only is not None:
        params["p_only"] = sorted(only)
    result = await connection.execute(_statement(shape), params)
    if shape.dialect == "sqlite":
        # Python's sqlite3 counts rows only for a statement that begins with INSERT, and
        # SQLAlchemy puts the CTE first.
        changed = await connection.execute(text("SELECT changes()"))
        return int(changed.scalar_one())
    return max(result.rowcount, 0)


def fractional_starts(dialect_name: str) -> ColumnElement[bool]:
    """Starts the SQL path leaves to the Python rule (not a whole second)."""
    dialect = _Dialect(dialect_name)
    return not_(dialect.whole_second(_o.c.starts_at))
