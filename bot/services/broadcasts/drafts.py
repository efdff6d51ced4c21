"""Secretariat notices: who gets one, the draft, confirmation.

A broadcast is a row from the moment its notice arrives (a draft) and stays one: the
preview counts recipients without writing anything, ``Xác nhận`` turns the draft into
one ``broadcast_recipients`` row and one outbox row per delegate in a single
transaction, guarded by a conditional ``draft → sending`` update so that a second press
(or a second process) sends nothing more. Delivery is the dispatcher's business.

A secretary reaches only their own council and its children (``bot.domain.office``):
another council's name or its delegates' codes get exactly the answer unknown ones get,
so nothing about other councils leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.broadcasts import (
    FailureReason,
    KeptNotice,
    RequestError,
    Target,
    TargetKind,
    parse_target,
)
from bot.domain.office import OFFICE_ROLE
from bot.domain.tables import fold_label, shorten
from bot.i18n import N_
from bot.models import Broadcast, BroadcastNotice, BroadcastRecipient, Council, Delegate
from bot.services.outbox.payloads import BroadcastPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row

RECIPIENTS_TABLE = BroadcastRecipient.metadata.tables["broadcast_recipients"]


class BroadcastStatus(StrEnum):
    draft = "draft"
    sending = "sending"
    done = "done"
    cancelled = "cancelled"


SHOWN_CODES = 20
"""Unknown codes named in one refusal; the rest are counted."""


@dataclass(frozen=True)
class Person:
    delegate_id: int
    code: str
    full_name: str
    unit: str


@dataclass(frozen=True)
class Audience:
    """The delegates a target names in one council, and who of them cannot be reached."""

    council_id: int
    council_name: str
    target: Target
    reachable: tuple[Person, ...]
    cannot: tuple[tuple[Person, FailureReason], ...]

    @property
    def total(self) -> int:
        return len(self.reachable) + len(self.cannot)


@dataclass(frozen=True)
class CouncilRef:
    id: int
    code: str
    name: str


async def resolve_council(
    *,
    session: AsyncSession,
    reach: frozenset[int] | None,
    code: str | None,
    home: int | None,
) -> CouncilRef | None:
    """The council a request is for: the named one if the caller may notify it, else home.

    ``reach`` is the caller's ``OfficeReach.reaches_filter`` (``bot.domain.office``: their
    own council and its children, whose delegates a parent council's office may write to;
    ``None`` for an admin: every council). ``None`` comes back for a council that does not
    exist and for one out of reach alike.
    """
    if code is not None:
        council = (
            await session.exec(select(Council).where(func.upper(col(Council.code)) == code.upper()))
        ).first()
    elif home is not None:
        council = await session.get(Council, home)
    elif reach is not None and len(reach) == 1:
        council = await session.get(Council, next(iter(reach)))
    else:
        return None
    if council is None or council.id is None:
        return None
    if reach is not None and council.id not in reach:
        return None
    return CouncilRef(council.id, council.code, council.name)


async def list_councils(*, session: AsyncSession) -> list[CouncilRef]:
    councils = (await session.exec(select(Council).order_by(col(Council.code)))).all()
    return [CouncilRef(c.id, c.code, c.name) for c in councils if c.id is not None]


async def has_children(*, session: AsyncSession, council_id: int) -> bool:
    """Whether some council names this one as its parent (a province over its communes)."""
    child = await session.exec(select(Council.id).where(col(Council.parent_id) == council_id))
    return child.first() is not None


async def council_units(*, session: AsyncSession, council_id: int) -> list[str]:
    """The units of the council's active delegates, for the unit buttons."""
    units = (
        await session.exec(
            select(Delegate.unit)
            .where(col(Delegate.council_id) == council_id, col(Delegate.active).is_(True))
            .distinct()
        )
    ).all()
    return sorted({unit for unit in units if unit}, key=fold_label)


async def resolve_audience(*, session: AsyncSession, council_id: int, target: Target) -> Audience:
    """Who the target names; :class:`RequestError` when it names nobody or unknown codes.

    Reads only: the preview counts recipients without writing anything.
    """
    council = await session.get(Council, council_id)
    if council is None:
        raise RequestError(N_("Unknown council code: {code}"), {"code": str(council_id)})
    if target.children:
        children = (
            await session.exec(select(Council).where(col(Council.parent_id) == council_id))
        ).all()
        if not children:
            raise RequestError(N_("{council} has no councils under it."), {"council": council.name})
        found: list[Delegate] = []
        for child in children:
            try:  # a unit or a group that only some of the children have
                found.extend(await _named_delegates(session, child, target))
            except RequestError:
                continue
        delegates: Sequence[Delegate] = found
    else:
        delegates = await _named_delegates(session, council, target)
    reachable: list[Person] = []
    cannot: list[tuple[Person, FailureReason]] = []
    for delegate in sorted(delegates, key=lambda d: d.code):
        assert delegate.id is not None
        person = Person(delegate.id, delegate.code, delegate.full_name, delegate.unit)
        if not delegate.active:
            cannot.append((person, FailureReason.inactive))
        elif delegate.telegram_user_id is None:
            cannot.append((person, FailureReason.not_linked))
        elif not delegate.reachable:
            cannot.append((person, FailureReason.blocked))
        else:
            reachable.append(person)
    if not reachable and not cannot:
        raise RequestError(N_("No delegate matches these recipients."))
    return Audience(council_id, council.name, target, tuple(reachable), tuple(cannot))


async def _members(
    session: AsyncSession, council: Council, target: Target, query: Any
) -> Sequence[Delegate]:
    """The delegates of a Tổ đại biểu or a Ban, by name (any case, with or without accents;
    ``Pháp chế`` finds ``Ban Pháp chế``)."""
    wanted = fold_label(target.value)
    members: Sequence[Delegate] = (await session.exec(query)).all()
    field = "group_name" if target.kind is TargetKind.group else "committee"

    def named(value: str) -> bool:
        folded = fold_label(value)
        return bool(folded) and (folded == wanted or folded.endswith(" " + wanted))

    found = [d for d in members if named(getattr(d, field))]
    if not found:
        message = (
            N_("No active delegate of {council} is in the delegates' group {name}")
            if target.kind is TargetKind.group
            else N_("No active delegate of {council} sits on the committee {name}")
        )
        raise RequestError(message, {"council": council.name, "name": shorten(target.value)})
    return found


async def _named_delegates(
    session: AsyncSession, council: Council, target: Target
) -> Sequence[Delegate]:
    in_council = col(Delegate.council_id) == council.id
    active = col(Delegate.active).is_(True)
    query = select(Delegate)
    match target.kind:
        case TargetKind.all:
            # Delegates only: the office's own accounts are reached with "văn phòng".
            condition = col(Delegate.role) != OFFICE_ROLE
            return (await session.exec(query.where(in_council, active, condition))).all()
        case TargetKind.standing:
            condition = col(Delegate.standing_committee).is_(True)
            return (await session.exec(query.where(in_council, active, condition))).all()
        case TargetKind.group | TargetKind.committee:
            return await _members(session, council, target, query.where(in_council, active))
        case TargetKind.level:
            condition = col(Delegate.level) == target.value
            return (await session.exec(query.where(in_council, active, condition))).all()
        case TargetKind.secretaries:
            condition = col(Delegate.role) == OFFICE_ROLE
            return (await session.exec(query.where(in_council, active, condition))).all()
        case TargetKind.unit:
            wanted = fold_label(target.value)
            members = (await session.exec(query.where(in_council, active))).all()
            found = [d for d in members if fold_label(d.unit) == wanted]
            if not found:
                raise RequestError(
                    N_("No active delegate of council {council} belongs to unit {unit}"),
                    {"council": council.code, "unit": shorten(target.value)},
                )
            return found
        case TargetKind.codes:
            wanted_codes = {code.upper() for code in target.codes}
            condition = func.upper(col(Delegate.code)).in_(wanted_codes)
            named = (await session.exec(query.where(in_council, condition))).all()
            unknown = wanted_codes - {d.code.upper() for d in named}
            if unknown:
                # The same words whether the code is nobody's or another council's.
                listed = [c for c in target.codes if c.upper() in unknown]
                shown = ", ".join(listed[:SHOWN_CODES])
                if len(listed) > SHOWN_CODES:  # a pasted column of codes fits one message
                    shown += f" (+{len(listed) - SHOWN_CODES})"
                raise RequestError(
                    N_("Unknown delegate code: {code}"), {"code": shorten(shown, 400)}
                )
            return named
        case TargetKind.correction:
            original = col(BroadcastRecipient.broadcast_id) == target.corrects_id
            return (
                await session.exec(
                    query.join(
                        BroadcastRecipient,
                        col(BroadcastRecipient.delegate_id) == col(Delegate.id),
                    ).where(original, in_council)
                )
            ).all()


# --- the draft -------------------------------------------------------------------------------


async def create_draft(
    *,
    session: AsyncSession,
    council_id: int,
    created_by: int,
    target: Target,
    source_chat_id: int,
    source_message_id: int,
    deadline: timedelta | None,
    now: datetime,
    notice: KeptNotice | None = None,
) -> Broadcast:
    """The notice has arrived: a draft nobody has been sent anything for (flushed: it has
    its id; the caller commits). ``notice``, what it says, is kept with it: the copies are
    sent from it if the secretary deletes the original."""
    broadcast = Broadcast(
        council_id=council_id,
        created_by=created_by,
        audience=target.describe(),
        source_chat_id=source_chat_id,
        source_message_id=source_message_id,
        status=BroadcastStatus.draft.value,
        # Kept relative to created_at until confirmation, then moved to count from it.
        ack_deadline=now + deadline if deadline is not None else None,
        corrects_id=target.corrects_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    if notice is not None:
        assert broadcast.id is not None
        session.add(
            BroadcastNotice(
                broadcast_id=broadcast.id,
                kind=notice.kind.value,
                text=notice.text,
                entities=notice.entities,
                file_id=notice.file_id,
            )
        )
        await session.flush()
    return broadcast


async def add_album_part(*, session: AsyncSession, broadcast_id: int, message_id: int) -> bool:
    """Adds a part of an album to a draft; False if it is no longer a draft."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.draft.value:
        return False
    broadcast.album_message_ids = f"{broadcast.album_message_ids or ''} {message_id}".strip()
    session.add(broadcast)
    await session.flush()
    return True


async def get_broadcast(*, session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


def draft_deadline(broadcast: Broadcast) -> timedelta | None:
    """The acknowledgement deadline a draft will get, counted from its confirmation."""
    if broadcast.ack_deadline is None:
        return None
    if broadcast.confirmed_at is not None:
        return broadcast.ack_deadline - broadcast.confirmed_at
    return broadcast.ack_deadline - broadcast.created_at


async def set_draft_deadline(
    *, session: AsyncSession, broadcast_id: int, deadline: timedelta | None
) -> Broadcast | None:
    """Changes a draft's deadline; ``None`` if it is no longer a draft."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.draft.value:
        return None
    broadcast.ack_deadline = broadcast.created_at + deadline if deadline else None
    session.add(broadcast)
    await session.flush()
    return broadcast


async def cancel_draft(*, session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """``Hủy``: True if the draft was cancelled now (nothing is ever sent for it)."""
    result = await session.exec(
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status) == BroadcastStatus.draft.value,
        )
        .values(status=BroadcastStatus.cancelled.value, finished_at=now)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class Confirmed:
    broadcast: Broadcast
    queued: int
    skipped: int


async def confirm_broadcast(
    *,
    session: AsyncSession,
    broadcast_id: int,
    progress_chat_id: int | None,
    progress_message_id: int | None,
    now: datetime,
) -> Confirmed | None:
    """``Xác nhận``: recipients and their outbox rows, once. ``None`` if already decided.

    The audience is resolved again now: whoever linked or blocked the bot since the
    preview is counted as they are at this moment. Everything is written in the caller's
    transaction, guarded by the conditional ``draft → sending`` update; the caller commits.
    """
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.draft.value:
        return None
    audience = await resolve_audience(
        session=session, council_id=broadcast.council_id, target=target_of(broadcast)
    )
    if not audience.reachable:  # a replayed button of a preview that offered none
        raise RequestError(N_("None of them can receive it now: there is nothing to send."))
    deadline = draft_deadline(broadcast)
    decided = await session.exec(
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status) == BroadcastStatus.draft.value,
        )
        .values(
            status=BroadcastStatus.sending.value,
            confirmed_at=now,
            ack_deadline=now + deadline if deadline is not None else None,
            progress_chat_id=progress_chat_id,
            progress_message_id=progress_message_id,
        )
    )
    if decided.rowcount != 1:  # another press or process got there first
        return None
    outbox_ids = await _queue_copies(session, broadcast_id, audience.reachable, now)
    # One shape for every row: an executemany needs the same keys in each.
    rows: list[dict[str, Any]] = [
        _recipient_row(broadcast_id, p, outbox_id=outbox_ids[p.delegate_id])
        for p in audience.reachable
    ]
    rows += [_recipient_row(broadcast_id, p, skipped=reason) for p, reason in audience.cannot]
    if rows:
        await session.exec(insert(RECIPIENTS_TABLE), params=rows)
    await session.refresh(broadcast)
    return Confirmed(broadcast, len(audience.reachable), len(audience.cannot))


def _recipient_row(
    broadcast_id: int,
    person: Person,
    *,
    outbox_id: int | None = None,
    skipped: FailureReason | None = None,
) -> dict[str, Any]:
    return {
        "broadcast_id": broadcast_id,
        "delegate_id": person.delegate_id,
        "outbox_id": outbox_id,
        "skipped_reason": skipped.value if skipped is not None else None,
        "acknowledged_at": None,
        "nudged_at": None,
    }


def target_of(broadcast: Broadcast) -> Target:
    """Who a stored broadcast is for."""
    if broadcast.corrects_id is not None:
        return Target(TargetKind.correction, corrects_id=broadcast.corrects_id)
    return parse_target(broadcast.audience)


async def _queue_copies(
    session: AsyncSession, broadcast_id: int, people: Sequence[Person], now: datetime
) -> dict[int, int]:
    """One outbox row per delegate (unique per broadcast and delegate): delegate → row id."""
    if not people:
        return {}
    rows = [
        outbox_row(
            BroadcastPayload(broadcast=broadcast_id),
            f"{broadcast_id}:{person.delegate_id}",
            now=now,
            due_at=now,
            delegate_id=person.delegate_id,
        )
        for person in people
    ]
    statement = insert(OUTBOX_TABLE).returning(OUTBOX_TABLE.c.id, OUTBOX_TABLE.c.delegate_id)
    result = await session.exec(statement, params=rows)
    return {int(delegate_id): int(row_id) for row_id, delegate_id in result.all()}
