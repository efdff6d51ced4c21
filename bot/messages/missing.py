"""The list of assignments without a report: /chuabaocao and the daily summary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, tzinfo
from html import escape

from bot.domain.dates import format_date, format_moment
from bot.i18n import Gettext
from bot.messages.report_texts import short_kind
from bot.services.reports.nudges import Nudged
from bot.services.reports.records import PendingItem

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
                f"{escape(short_kind(item.kind, _))} {format_date(item.starts_at)}"
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


def nudge_text(nudged: Nudged, now: datetime, zone: tzinfo, language: str, _: Gettext) -> str:
    """The office's answer to «Nhắc báo cáo»: what went out, and when, and who to call."""
    if nudged.sent:
        text = _("Reminders sent: {count} duties, to {delegates} delegates.").format(
            count=nudged.sent, delegates=nudged.delegates
        )
        if nudged.due_at > now:
            text += " " + _("They go out at {time}, after quiet hours.").format(
                time=format_moment(nudged.due_at.astimezone(zone), language)
            )
    elif nudged.reachable:
        text = _("Nothing to send: every listed delegate was already reminded today.")
    elif nudged.to_call:
        text = _("Nobody on the list can be reached by the bot.")
    else:
        text = _("Nothing to send: no report is overdue.")
    if nudged.to_call:
        text += " " + _(
            "{count} duties belong to delegates the bot cannot reach (not linked or blocked): "
            "please call them."
        ).format(count=nudged.to_call)
    return text
