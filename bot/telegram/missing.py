"""Assignments without a report, for the secretariat: /chuabaocao and the daily summary."""

from __future__ import annotations

import asyncio
from html import escape

from telegram import Update

from bot.domain.buttons import NudgeMissingButton
from bot.domain.callbacks import encode
from bot.domain.keyboards import Button
from bot.messages.keyboards import inline_markup
from bot.messages.missing import FILENAME, fit, missing_lines, nudge_text
from bot.services.reports.missing_export import missing_workbook
from bot.services.reports.nudges import nudge_overdue
from bot.services.reports.prompts import ReportPolicy
from bot.services.reports.records import ended_assignments, overdue_items
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button, requires
from bot.telegram.texts import answer


@requires(Access.secretary)
async def missing_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Secretaries: their council's overdue reports, grouped by unit (admins: all councils)."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    settings = scope.settings
    now = scope.now
    overdue_before = now - settings.REPORT_ESCALATE_AFTER
    councils = identity.office.acts_on_filter
    # The daily summary's list: one query for both (records.overdue_items).
    items = await overdue_items(
        session=scope.session,
        council_ids=councils,
        overdue_before=overdue_before,
        zone=settings.zone,
    )
    waiting = await ended_assignments(
        session=scope.session,
        now=now,
        zone=settings.zone,
        council_ids=councils,
        since=overdue_before,
    )
    days = settings.REPORT_ESCALATE_AFTER.days or 1
    if not items:
        text = _("No report is overdue (more than {days} days after the duty).").format(days=days)
        header = [escape(text)]
    else:
        header = [
            "⏳ <b>"
            + escape(
                _("Without a report more than {days} days after the duty: {count}").format(
                    days=days, count=len(items)
                )
            )
            + "</b>"
        ]
    if waiting:
        header.append(
            escape(
                _(
                    "{count} more duties ended recently and are still within the time to report."
                ).format(count=len(waiting))
            )
        )
    text, cut = fit(header, missing_lines(items, _), _)
    nudge = Button(_("🔔 Remind them to report"), encode(NudgeMissingButton()))
    await scope.commit()  # read: no transaction stays open while Telegram is asked
    await message.reply_text(text, reply_markup=inline_markup([[nudge]]) if items else None)
    if cut:
        # Read already: the workbook is built in a worker thread, the event loop goes on.
        workbook = await asyncio.to_thread(missing_workbook, tuple(items))
        await message.reply_document(workbook, filename=FILENAME)


@on_button(NudgeMissingButton, Access.secretary)
async def on_nudge(
    update: Update, context: BotContext, scope: UpdateScope, data: NudgeMissingButton
) -> None:
    """«Nhắc báo cáo»: the prompt again to each delegate listed, once a day per duty."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    nudged = await nudge_overdue(
        session=scope.session,
        council_ids=scope.identity.office.acts_on_filter,
        now=scope.now,
        policy=ReportPolicy.from_settings(scope.settings),
    )
    await scope.commit()
    context.deps.wake()
    text = nudge_text(nudged, scope.now, scope.settings.zone, scope.language, scope._)
    await answer(query, text, show_alert=True)
