"""The texts of scheduled messages: reminders, changes, cancellations, digests.

One glance tells what, when (weekday and date), where, and how long until it. Rows due
for the same delegate at the same moment arrive as one message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from html import escape
from typing import NamedTuple

from bot.domain.availability import RELEASABLE_KINDS, SESSION_KIND
from bot.domain.buttons import AgendaAction, AgendaButton
from bot.domain.callbacks import encode
from bot.domain.dates import (
    DAY_AND_TIME,
    format_clock,
    format_day,
    format_day_month,
    format_entry_time,
    format_entry_when,
    format_time_range,
    format_until,
)
from bot.domain.keyboards import Button
from bot.domain.schedule import headline
from bot.i18n import Gettext, get_translator
from bot.messages.availability_texts import away_button, roll_lines, session_buttons
from bot.messages.missing import FILENAME, fit, missing_lines
from bot.messages.petition_texts import awaited_lines, meeting_answer_lines
from bot.messages.texts import split_message
from bot.models.petitions import Petition
from bot.services.outbox.rows import Outgoing
from bot.services.outbox.summary import CouncilSummary
from bot.services.reports.missing_export import missing_workbook
from bot.services.reports.records import PendingItem
from bot.services.schedule.imports import AssignmentView

AGENDA_BUTTON = encode(AgendaButton(AgendaAction.show))


@dataclass(frozen=True)
class NoticeItem:
    """One row's part of a merged notice: a duty, or (the digest) a day of duties."""

    view: AssignmentView | None = None
    day: date | None = None
    day_views: tuple[AssignmentView, ...] = ()
    first: bool = False
    """The duty's first reminder: it offers ``Xin vắng`` (availability)."""

    answers: tuple[Petition, ...] = ()
    """A voter meeting's first reminder: answers to the delegate's voters' opinions
    recorded since their previous meeting (personal data: only to that delegate)."""


@dataclass(frozen=True)
class NoticeContext:
    """What every block of one merged notice is rendered with."""

    language: str
    now: datetime
    _: Gettext
    council: bool
    """Name each duty's council (the person sits on several, or the notice mixes them)."""
    in_digest: frozenset[int]
    """Assignments the notice's digest lists already: not repeated as reminders."""


Block = Callable[[Sequence[NoticeItem], NoticeContext], list[list[str]]]
"""A kind's part of a merged notice: its items in, paragraphs (lists of lines) out."""


class Section(NamedTuple):
    """The items of one kind and the block renderer its ``KindSpec`` registers."""

    block: Block
    items: Sequence[NoticeItem]


def _when(view: AssignmentView, language: str) -> str:
    return format_entry_when(view.kind, view.starts_at, view.ends_at, language)


def _council(view: AssignmentView, show: bool) -> list[str]:
    return [f"🏛 {escape(view.council_name)}"] if show and view.council_name else []


def _block(
    view: AssignmentView, *, language: str, now: datetime, _: Gettext, council: bool
) -> list[str]:
    lines = [
        f"<b>{escape(headline(view.kind, view.title, _))}</b>",
        "🗓 "
        + escape(_when(view, language))
        + " "
        + escape(f"({format_until(view.starts_at, now, language)})"),
    ]
    if view.location:
        lines.append(f"📍 {escape(view.location)}")
    return lines + _council(view, council)


def _digest(item: NoticeItem, *, language: str, _: Gettext, council: bool) -> list[str]:
    assert item.day is not None
    lines = [
        "☀️ <b>" + escape(_("Today, {day}:").format(day=format_day(item.day, language))) + "</b>"
    ]
    for view in item.day_views:
        line = (
            f"• {escape(format_entry_time(view.kind, view.starts_at, view.ends_at, language))} "
            f"{escape(headline(view.kind, view.title, _))}"
        )
        if view.location:
            line += f" — {escape(view.location)}"
        if council and view.council_name:
            line += f" · 🏛 {escape(view.council_name)}"
        lines.append(line)
    return lines


def _side(
    starts_at: datetime,
    ends_at: datetime | None,
    location: str,
    *,
    parts: tuple[bool, bool, bool, bool],
    language: str,
    _: Gettext,
) -> str:
    """One side of "before → after": only the time, day and place that changed."""
    time_changed, whole_range, day_changed, place_changed = parts
    time = (
        format_time_range(starts_at, ends_at, language)
        if whole_range
        else format_clock(starts_at, language)
    )
    day = format_day(starts_at.date(), language)
    if time_changed and day_changed:
        when = _(DAY_AND_TIME).format(day=day, time=time)
    else:
        when = time if time_changed else day if day_changed else ""
    place = (location or _("no place given")) if place_changed else ""
    return ", ".join(part for part in (when, place) if part)


def change_lines(view: AssignmentView, language: str, _: Gettext) -> list[str]:
    """``Trước: 7h30 Thứ Năm, 10/12/2026, Trụ sở xã → Nay: 13h30 Thứ Tư, …`` and the reason.

    Only what changed is named. The time is the start alone when the duration stayed the
    same (the block above gives the whole new range), else both ranges.
    """
    before = view.previous
    if before is None:
        return []

    def length(starts_at: datetime, ends_at: datetime | None) -> timedelta | None:
        return ends_at - starts_at if ends_at is not None else None

    whole_range = length(before.starts_at, before.ends_at) != length(view.starts_at, view.ends_at)
    parts = (
        whole_range or before.starts_at.time() != view.starts_at.time(),
        whole_range,
        before.starts_at.date() != view.starts_at.date(),
        before.location != view.location,
    )
    if not any((parts[0], parts[2], parts[3])):
        return []
    lines = [
        "🔁 "
        + escape(
            _("Before: {before} → Now: {after}").format(
                before=_side(
                    before.starts_at,
                    before.ends_at,
                    before.location,
                    parts=parts,
                    language=language,
                    _=_,
                ),
                after=_side(
                    view.starts_at,
                    view.ends_at,
                    view.location,
                    parts=parts,
                    language=language,
                    _=_,
                ),
            )
        )
    ]
    if before.shifted_from is not None:
        day = format_day(before.shifted_from, language)
        reason = (
            _(
                "Reason: {day} is a day off ({holiday}); the duty moves to the next working day."
            ).format(day=day, holiday=before.shift_reason)
            if before.shift_reason
            else _("Reason: {day} is a day off; the duty moves to the next working day.").format(
                day=day
            )
        )
        lines.append("ℹ️ " + escape(reason))
    return lines


def summary_message(summaries: Sequence[CouncilSummary], *, language: str) -> Outgoing:
    """The secretariat's daily summary: one message, the long missing list as a workbook."""
    _ = get_translator(language)
    lines = ["📊 <b>" + escape(_("Reminder service: daily report")) + "</b>"]
    missing: list[PendingItem] = []
    for summary in summaries:
        missing.extend(summary.missing)
        if not (summary.failed or summary.missed or summary.uncertain or summary.unreachable):
            continue
        lines.append(
            f"<b>{escape(summary.council_name)}</b>: "
            + escape(
                _(
                    "{failed} not delivered, {missed} missed (event had begun), "
                    "{uncertain} possibly delivered twice."
                ).format(failed=summary.failed, missed=summary.missed, uncertain=summary.uncertain)
            )
        )
        if summary.unreachable:
            lines.append(
                escape(
                    _("Cannot be reached on Telegram (blocked the bot?): {names}").format(
                        names=", ".join(summary.unreachable)
                    )
                )
            )
    rolls = [roll for summary in summaries for roll in summary.attendance]
    if rolls:
        lines.append("")
        lines.append("📋 <b>" + escape(_("Attendance at tomorrow's session")) + "</b>")
        lines.extend(roll_lines(rolls, language, _))

    lines.extend(_petition_lines(summaries, _))
    if missing:
        lines.append("")
        lines.append(
            "⏳ <b>"
            + escape(_("Duties without a report: {count}").format(count=len(missing)))
            + "</b>"
        )
    text, cut = fit(lines, missing_lines(missing, _), _)
    # Built by the dispatcher off the event loop: thousands of rows take most of a second.
    builder = (FILENAME, partial(missing_workbook, tuple(missing))) if cut else None
    return Outgoing(text=text, document_builder=builder)


SUMMARY_PETITIONS = 15
"""Petition lines in the daily summary; /donthu lists the rest."""


def _petition_lines(summaries: Sequence[CouncilSummary], _: Gettext) -> list[str]:
    """Answers overdue or due soon, per council; without the items' summaries, which are
    personal data and the summary also reaches admins of every council."""
    lines: list[str] = []
    for summary in summaries:
        if not summary.petitions or summary.petitions_on is None:
            continue
        found = awaited_lines(summary.petitions, summary.petitions_on, _, with_summary=False)
        lines.append("")
        lines.append("📨 <b>" + escape(summary.council_name) + "</b>")
        if len(found) > SUMMARY_PETITIONS:
            more = _("… and {count} more: /donthu").format(count=len(found) - SUMMARY_PETITIONS)
            found = [*found[:SUMMARY_PETITIONS], escape(more)]
        lines.extend(found)
    return lines


def _views_of(items: Sequence[NoticeItem]) -> list[AssignmentView]:
    views = [item.view for item in items if item.view is not None]
    return views + [view for item in items for view in item.day_views]


def show_councils(items: Sequence[NoticeItem]) -> bool:
    """Name the council of each duty when the person sits on several councils.

    The view knows whether its delegate's account holds records in more than one
    council; a message mixing duties of two councils names them too.
    """
    views = _views_of(items)
    return any(v.several_councils for v in views) or len({v.council_name for v in views}) > 1


def digest_blocks(items: Sequence[NoticeItem], context: NoticeContext) -> list[list[str]]:
    """The morning digest: the whole day, one line per duty."""
    return [
        _digest(item, language=context.language, _=context._, council=context.council)
        for item in items
        if item.day_views
    ]


def reminder_blocks(items: Sequence[NoticeItem], context: NoticeContext) -> list[list[str]]:
    """Reminders, gathered under one header."""
    _ = context._
    shown = [
        item
        for item in items
        if item.view is not None and item.view.assignment_id not in context.in_digest
    ]
    if not shown:
        return []
    header = (
        _("🔔 Reminder") if len(shown) == 1 else _("🔔 You have {count} upcoming duties:")
    ).format(count=len(shown))
    return [[f"<b>{escape(header)}</b>"]] + [
        _block(item.view, language=context.language, now=context.now, _=_, council=context.council)
        + meeting_answer_lines(item.answers, _)
        for item in shown
        if item.view is not None
    ]


def addition_blocks(items: Sequence[NoticeItem], context: NoticeContext) -> list[list[str]]:
    """A duty of today added after the digest went out."""
    _ = context._
    return [
        [
            "🆕 <b>" + escape(_("New duty today")) + "</b>",
            *_block(view, language=context.language, now=context.now, _=_,
                    council=context.council),
        ]
        for view in _views(items)
    ]  # fmt: skip


def change_blocks(items: Sequence[NoticeItem], context: NoticeContext) -> list[list[str]]:
    """A duty whose time or place changed, with what it was before."""
    _ = context._
    return [
        [
            "⚠️ <b>" + escape(_("Schedule changed")) + "</b>",
            *_block(view, language=context.language, now=context.now, _=_,
                    council=context.council),
            *change_lines(view, context.language, _),
        ]
        for view in _views(items)
    ]  # fmt: skip


def cancellation_blocks(items: Sequence[NoticeItem], context: NoticeContext) -> list[list[str]]:
    _ = context._
    blocks = []
    for view in _views(items):
        # ❌, not ❎: a green square with a cross reads as a tick on phones.
        lines = [
            "❌ <b>" + escape(_("Cancelled")) + "</b>",
            escape(headline(view.kind, view.title, _)),
            "🗓 " + escape(_when(view, context.language)),
        ]
        if view.location:
            lines.append(f"📍 {escape(view.location)}")
        blocks.append(lines + _council(view, context.council))
    return blocks


def _views(items: Sequence[NoticeItem]) -> list[AssignmentView]:
    return [item.view for item in items if item.view is not None]


def compose(
    sections: Sequence[Section], *, language: str, now: datetime, late: bool
) -> tuple[str, list[Button]]:
    """One message for everything due at once for one delegate; always within 4096.

    Each kind's items are rendered by the block its registration names, in the order
    of ``sections`` (the registry's: the digest first, then reminders, then changes).
    """
    items = [item for section in sections for item in section.items]
    context = NoticeContext(
        language=language,
        now=now,
        _=get_translator(language),
        council=show_councils(items),
        in_digest=frozenset(v.assignment_id for item in items for v in item.day_views),
    )
    blocks = [block for section in sections for block in section.block(section.items, context)]
    _ = context._
    if late:
        blocks.append(
            ["<i>" + escape(_("Sent late: the reminder service was interrupted.")) + "</i>"]
        )
    text = "\n\n".join("\n".join(block) for block in blocks)
    chunks = split_message(text)
    if len(chunks) > 1:
        text = chunks[0] + "\n…"
    buttons = [Button(_("📋 My schedule"), AGENDA_BUTTON)]
    return text, buttons


def availability_rows(sections: Sequence[Section], language: str) -> list[list[Button]]:
    """Under reminders: ``Xin vắng`` for a duty that can be handed on, ``Tham dự`` /
    ``Xin vắng`` for a session (availability). One row per duty."""
    _ = get_translator(language)
    items = [
        item
        for section in sections
        if section.block is reminder_blocks
        for item in section.items
        if item.view is not None
    ]
    several = len(items) > 1
    rows: list[list[Button]] = []
    for item in items:
        view = item.view
        assert view is not None
        label = f" · {format_day_month(view.starts_at)}" if several else ""
        if view.kind in RELEASABLE_KINDS and item.first:
            button = away_button(view.assignment_id, _)
            rows.append([Button(button.text + label, button.callback_data)])
        elif view.kind == SESSION_KIND:
            rows.append(
                [
                    Button(b.text + label, b.callback_data)
                    for b in session_buttons(view.assignment_id, _)
                ]
            )
    return rows[:MAX_AVAILABILITY_ROWS]


MAX_AVAILABILITY_ROWS = 6
