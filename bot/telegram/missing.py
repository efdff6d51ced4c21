"""Assignments without a report, for the secretariat: /chuabaocao and the daily summary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from html import escape

from telegram import Update

from bot.i18n import Gettext
from bot.services.missing_export import missing_workbook
from bot.services.reports import LOOKBACK, PendingItem, ended_assignments
from bot.telegram.context import BotContext
from bot.telegram.report_texts import short_kind
from bot.telegram.scope import Access, UpdateScope, requires

LIMIT = 3500
"""Characters of list in one message; the rest goes to an attached workbook."""
FILENAME = "chua-bao-cao.xlsx"


def missing_lines(items: Sequence[PendingItem], _: Gettext) -> list[str]:
    """Grouped by unit, most recent first within each unit."""
    by_unit: dict[str, list[PendingItem]] = defaultdict(list)
    for item in items:
        by_unit[item.unit or _("(no unit)")].append(item)
    lines: list[str] = []
    for unit in sorted(by_unit):
        group = by_unit[unit]
        lines.append(f"<b>{escape(unit)}</b> ({len(group)})")
        for item in group:
            lines.append(
                f"• {escape(item.delegate_code)} {escape(item.delegate_name)} — "
                f"{escape(short_kind(item.kind, _))} {item.starts_at:%d/%m/%Y}"
            )
    return lines


def fit(header: list[str], lines: list[str], _: Gettext, limit: int = LIMIT) -> tuple[str, bool]:
    """The message text, cut at a line with "… and N more" when too long (True if cut)."""
    kept: list[str] = []
    used = sum(len(line) + 1 for line in header)
    for number, line in enumerate(lines):
        if used + len(line) + 1 > limit:
            rest = len(lines) - number
            kept.append(
                escape(_("… and {count} more lines: see the attached file.").format(count=rest))
            )
            return "\n".join(header + kept), True
        kept.append(line)
        used += len(line) + 1
    return "\n".join(header + kept), False


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
    councils = identity.managed_councils
    items = await ended_assignments(
        session=scope.session,
        now=now,
        zone=settings.zone,
        council_ids=councils,
        ended_before=overdue_before,
        # The same window as the daily summary's, so both show the same list.
        since=overdue_before - LOOKBACK,
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
    await message.reply_text(text)
    if cut:
        await message.reply_document(missing_workbook(items), filename=FILENAME)
