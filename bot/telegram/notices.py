"""The texts of scheduled messages: reminders, changes, cancellations, digests.

One glance tells what, when (weekday and date), where, and how long until it. Rows due
for the same delegate at the same moment arrive as one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from bot.domain.dates import format_day, format_lead_time, format_time_range
from bot.domain.schedule import headline
from bot.i18n import Gettext, get_translator
from bot.services.missing_export import missing_workbook
from bot.services.outbox import Button, OutboxKind, Outgoing
from bot.services.reports import PendingItem
from bot.services.schedule import AssignmentView
from bot.services.summary import CouncilSummary
from bot.telegram.missing import FILENAME, fit, missing_lines
from bot.telegram.texts import split_message

AGENDA_BUTTON = "agenda:show"


@dataclass(frozen=True)
class NoticeItem:
    kind: OutboxKind
    view: AssignmentView | None = None
    day: date | None = None
    day_views: tuple[AssignmentView, ...] = ()
    summaries: tuple[CouncilSummary, ...] = ()


def _when(view: AssignmentView, language: str) -> str:
    return f"{format_day(view.starts_at.date(), language)}, " + format_time_range(
        view.starts_at, view.ends_at
    )


def _block(view: AssignmentView, *, language: str, now: datetime, _: Gettext) -> list[str]:
    lines = [
        f"<b>{escape(headline(view.kind, view.title, _))}</b>",
        "🗓 "
        + escape(_when(view, language))
        + " "
        + _("(in {lead})").format(lead=format_lead_time(view.starts_at - now, language)),
    ]
    if view.location:
        lines.append(f"📍 {escape(view.location)}")
    return lines


def _digest(item: NoticeItem, *, language: str, _: Gettext) -> list[str]:
    assert item.day is not None
    lines = [
        "☀️ <b>" + escape(_("Today, {day}:").format(day=format_day(item.day, language))) + "</b>"
    ]
    for view in item.day_views:
        line = (
            f"• {format_time_range(view.starts_at, view.ends_at)} "
            f"{escape(headline(view.kind, view.title, _))}"
        )
        if view.location:
            line += f" — {escape(view.location)}"
        lines.append(line)
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
    if missing:
        lines.append("")
        lines.append(
            "⏳ <b>"
            + escape(_("Duties without a report: {count}").format(count=len(missing)))
            + "</b>"
        )
    text, cut = fit(lines, missing_lines(missing, _), _)
    document = (FILENAME, missing_workbook(missing)) if cut else None
    return Outgoing(text=text, document=document)


def compose(
    items: Sequence[NoticeItem], *, language: str, now: datetime, late: bool
) -> tuple[str, list[Button]]:
    """One message for everything due at once for one delegate; always within 4096."""
    _ = get_translator(language)
    # A duty listed in this message's digest is not repeated as a reminder below it.
    in_digest = {v.assignment_id for i in items if i.kind is OutboxKind.digest for v in i.day_views}
    reminders = [
        i
        for i in items
        if i.kind is OutboxKind.reminder
        and i.view is not None
        and i.view.assignment_id not in in_digest
    ]
    blocks: list[list[str]] = []
    for item in items:
        if item.kind is OutboxKind.digest and item.day_views:
            blocks.append(_digest(item, language=language, _=_))
    if reminders:
        header = (
            _("🔔 Reminder") if len(reminders) == 1 else _("🔔 You have {count} upcoming duties:")
        ).format(count=len(reminders))
        blocks.append([f"<b>{escape(header)}</b>"])
        for item in reminders:
            assert item.view is not None
            blocks.append(_block(item.view, language=language, now=now, _=_))
    for item in items:
        if item.view is None:
            continue
        if item.kind is OutboxKind.addition:
            blocks.append(
                [
                    "🆕 <b>" + escape(_("New duty today")) + "</b>",
                    *_block(item.view, language=language, now=now, _=_),
                ]
            )
        elif item.kind is OutboxKind.change:
            blocks.append(
                [
                    "⚠️ <b>" + escape(_("Schedule changed")) + "</b>",
                    *_block(item.view, language=language, now=now, _=_),
                ]
            )
        elif item.kind is OutboxKind.cancellation:
            # ❌, not ❎: a green square with a cross reads as a tick on phones.
            lines = [
                "❌ <b>" + escape(_("Cancelled")) + "</b>",
                escape(headline(item.view.kind, item.view.title, _)),
                "🗓 " + escape(_when(item.view, language)),
            ]
            if item.view.location:
                lines.append(f"📍 {escape(item.view.location)}")
            blocks.append(lines)
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
