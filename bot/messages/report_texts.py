"""Texts and buttons of the report conversation, shared by the prompt and the handlers."""

from __future__ import annotations

from html import escape

from bot.domain.buttons import ReportAction, ReportButton
from bot.domain.callbacks import encode
from bot.domain.dates import format_entry_when
from bot.domain.keyboards import Button
from bot.domain.reports import NotHeldReason, example_reply, figures_summary
from bot.domain.schedule import headline
from bot.i18n import N_, Gettext
from bot.models import Report
from bot.services.outbox.rows import Outgoing
from bot.services.reports.records import ReportTarget, figures_of

QUESTIONS = {
    # The lines above it give the day, the time and the place: the question does not.
    "reception": N_("Did you hold this citizen reception?"),
    "voter_meeting": N_("Did you hold this voter meeting?"),
    "supervision": N_("Did you carry out this supervision visit?"),
}
ASK_FIGURES = {
    "reception": N_(
        "Please reply in one message: the number of citizens received, the number of "
        "petitions, then (optionally) how many were forwarded and a short note.\n"
        "For example: <code>{example}</code>"
    ),
    "voter_meeting": N_(
        "Please reply in one message: the number of voters attending and the number of "
        "opinions and recommendations, then (optionally) a short note.\n"
        "For example: <code>{example}</code>"
    ),
    "supervision": N_(
        "Please reply with a short note on the supervision visit (or <code>-</code> "
        "if there is nothing to add).\nFor example: <code>{example}</code>"
    ),
}
SHORT_KINDS = {
    "reception": N_("citizen reception"),
    "voter_meeting": N_("voter meeting"),
    "supervision": N_("supervision"),
}
REASONS = {
    NotHeldReason.postponed: N_("Postponed"),
    NotHeldReason.clash: N_("Clash with other official duties"),
    NotHeldReason.personal: N_("Ill or personal matters"),
    NotHeldReason.other: N_("Other reason"),
}


def callback(action: str, assignment_id: int, extra: str = "") -> str:
    reason = NotHeldReason(extra) if extra else None
    return encode(ReportButton(ReportAction(action), assignment_id, reason))


def describe(target: ReportTarget, language: str, _: Gettext) -> list[str]:
    """The assignment in three lines: what, when, where (and the council)."""
    lines = [f"<b>{escape(headline(target.kind, target.title, _))}</b>"]
    when = format_entry_when(
        target.kind,
        target.starts_at,
        target.ends_at if target.ends_at != target.starts_at else None,
        language,
    )
    lines.append("🗓 " + escape(when))
    if target.location:
        lines.append("📍 " + escape(target.location))
    lines.append("🏛 " + escape(target.council_name))
    return lines


def question(target: ReportTarget, _: Gettext) -> str:
    return _(QUESTIONS[target.kind])


def prompt(target: ReportTarget, *, language: str, _: Gettext, again: bool) -> Outgoing:
    """The scheduled prompt (and the /baocao entry): three one-tap answers."""
    header = _("📝 Reminder: report on your duty") if again else _("📝 Report on your duty")
    text = "\n".join(
        [
            f"<b>{escape(header)}</b>",
            *describe(target, language, _),
            "",
            escape(question(target, _)),
        ]
    )
    keyboard = prompt_keyboard(target.assignment_id, _, snooze=True, kind=target.kind)
    return Outgoing(text=text, keyboard=keyboard)


def prompt_keyboard(
    assignment_id: int, _: Gettext, *, snooze: bool, kind: str = ""
) -> tuple[tuple[Button, ...], ...]:
    """Done / Not held; for a reception also "No citizens came" (the commonest answer at
    commune level, one tap instead of typing 0 0); and Remind me later on a prompt."""
    rows: list[tuple[Button, ...]] = [
        (
            Button(_("Done"), callback("held", assignment_id)),
            Button(_("Not held"), callback("no", assignment_id)),
        )
    ]
    if kind == "reception":
        rows.append((Button(_("No citizens came"), callback("none", assignment_id)),))
    if snooze:
        rows.append((Button(_("Remind me later"), callback("later", assignment_id)),))
    return tuple(rows)


def reason_keyboard(assignment_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        (Button(_(label), callback("why", assignment_id, reason.value)),)
        for reason, label in REASONS.items()
    )


def confirm_keyboard(assignment_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(_("Confirm"), callback("ok", assignment_id)),
            Button(_("Edit"), callback("edit", assignment_id)),
        ),
    )


def short_kind(kind: str, _: Gettext) -> str:
    return _(SHORT_KINDS[kind]) if kind in SHORT_KINDS else kind


def cancel_keyboard(assignment_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    return ((Button(_("Cancel"), callback("cancel", assignment_id)),),)


def ask_figures(kind: str, _: Gettext) -> str:
    text = _(ASK_FIGURES[kind]).format(example=escape(example_reply(kind)))
    if kind == "reception":
        text += "\n" + _("If nobody came, just send <code>0</code> or press «No citizens came».")
    return text


def attend_keyboard(assignment_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    """A co-attendee's answer to figures someone else gave: attended, or correct them."""
    return (
        (Button(_("I attended too"), callback("att", assignment_id)),),
        (Button(_("Edit"), callback("edit", assignment_id)),),
    )


def edit_keyboard(assignment_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    return ((Button(_("Edit"), callback("edit", assignment_id)),),)


def report_line(report: Report, kind: str, _: Gettext) -> str:
    """What a saved report says, in one line."""
    if not report.held:
        reason = REASONS.get(NotHeldReason(report.reason)) if report.reason else None
        text = _("Not held") + (f" — {_(reason)}" if reason else "")
        return escape(text + (f": {report.note}" if report.note else ""))
    if report.carries_figures:
        return escape(_("Done") + " — " + figures_summary(kind, figures_of(report), _))
    return escape(_("Done (attendance confirmed)"))
