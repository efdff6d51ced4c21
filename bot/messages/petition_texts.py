"""Texts of the petitions register: type and action names, the answer notice, the lists.

``summary`` and ``citizen`` are personal data: only texts meant for the receiving
delegate or the council's secretaries may carry them (the callers check who reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from bot.domain.dates import format_date
from bot.domain.petitions import DUE_SOON_DAYS, PetitionAction, PetitionType
from bot.domain.tables import shorten
from bot.i18n import N_, Gettext
from bot.models.petitions import Petition

TYPE_NAMES = {
    PetitionType.complaint: N_("complaint"),
    PetitionType.denunciation: N_("denunciation"),
    PetitionType.proposal: N_("proposal"),
    PetitionType.feedback: N_("feedback"),
    PetitionType.opinion: N_("voters' opinion"),
}
ACTION_NAMES = {
    PetitionAction.forwarded: N_("forwarded"),
    PetitionAction.guided: N_("guided"),
    PetitionAction.returned: N_("returned"),
    PetitionAction.filed: N_("filed"),
}
TELEGRAM_LIMIT = 4096
SUMMARY_IN_LIST = 80
"""Characters of a summary shown in a list line."""


def type_name(kind: str, _: Gettext) -> str:
    return _(TYPE_NAMES[PetitionType(kind)])


def action_name(action: str, _: Gettext) -> str:
    return _(ACTION_NAMES[PetitionAction(action)])


def day(value: date | None) -> str:
    return format_date(value) if value is not None else ""


def answer_notice(
    *,
    ref: str,
    kind: str,
    received_on: date,
    summary: str,
    agency: str,
    answered_on: date | None,
    answer: str,
    _: Gettext,
) -> str:
    """To the delegate who received the item: its answer, to pass on to the citizen or voters."""
    opinion = kind == PetitionType.opinion.value
    head = (
        _(
            "The voters' opinion No. {ref} you received on {day} has been answered by "
            "{agency} ({answered}). Please inform the voters at your next meeting."
        )
        if opinion
        else _(
            "The petition No. {ref} ({kind}) you received on {day} has been answered by "
            "{agency} ({answered}). Please inform the citizen."
        )
    )
    text = head.format(
        ref=escape(ref),
        kind=escape(type_name(kind, _)),
        day=day(received_on),
        agency=escape(agency or "—"),
        answered=day(answered_on),
    )
    lines = [text]
    if summary:
        lines.append(_("Content: {summary}").format(summary=escape(shorten(summary, 300))))
    if answer:
        lines.append(_("Answer: {answer}").format(answer=escape(shorten(answer, 3000))))
    return "\n".join(lines)[:TELEGRAM_LIMIT]


def fit(lines: Sequence[str], more: str, limit: int = TELEGRAM_LIMIT) -> str:
    """``lines`` joined, cut at a line so the text stays within Telegram's limit; ``more``
    (with ``{count}``) says how many lines were left out."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        reserve = len(more) + 12 if index < len(lines) - 1 else 0
        if size + len(line) + 1 + reserve > limit:
            kept.append(more.format(count=len(lines) - index))
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def nothing_awaited(_: Gettext) -> str:
    """The office's follow-up list when it is empty."""
    return _("No forwarded item is overdue or due within {days} days.").format(days=DUE_SOON_DAYS)


def awaited_lines(
    items: Sequence[Petition], today: date, _: Gettext, *, with_summary: bool = True
) -> list[str]:
    """The office's follow-up list: overdue items, then those due within
    :data:`DUE_SOON_DAYS` days (the window ``awaited`` selects); one line each (register
    number, type, agency, due date, the summary's start)."""
    overdue = [p for p in items if p.due_on is not None and p.due_on < today]
    soon = [p for p in items if p.due_on is not None and p.due_on >= today]
    lines: list[str] = []
    for title, group in (
        (_("Overdue answers: {count}"), overdue),
        (_("Answers due within {days} days: {count}"), soon),
    ):
        if not group:
            continue
        heading = title.format(count=len(group), days=DUE_SOON_DAYS)
        lines.append("<b>" + escape(heading) + "</b>")
        lines.extend(_awaited_line(p, _, with_summary=with_summary) for p in group)
    return lines


def _awaited_line(petition: Petition, _: Gettext, *, with_summary: bool) -> str:
    line = _("• No. {ref} ({kind}) to {agency}, due {due}").format(
        ref=escape(petition.ref),
        kind=escape(type_name(petition.type, _)),
        agency=escape(petition.agency or "—"),
        due=day(petition.due_on),
    )
    if with_summary and petition.summary:
        line += ": " + escape(shorten(petition.summary, SUMMARY_IN_LIST))
    return line


def received_line(petition: Petition, _: Gettext) -> str:
    """One item in the receiving delegate's own list."""
    state = (
        _("answered {day}").format(day=day(petition.answered_on))
        if petition.answered_on is not None
        else _("awaiting the answer, due {day}").format(day=day(petition.due_on))
        if petition.due_on is not None
        else action_name(petition.action, _)
        if petition.action
        else ""
    )
    kind = escape(type_name(petition.type, _))
    line = f"• {escape(petition.ref)} ({kind}), {day(petition.received_on)}"
    if petition.summary:
        line += ": " + escape(shorten(petition.summary, SUMMARY_IN_LIST))
    return line + (f" — <i>{escape(state)}</i>" if state else "")


MEETING_ANSWERS = 10
"""Answers listed in a voter meeting's reminder; /donthu lists them all."""


def meeting_answer_lines(answers: Sequence[Petition], _: Gettext) -> list[str]:
    """Under a voter meeting's first reminder: what to report back to the voters."""
    if not answers:
        return []
    lines = [
        "📬 <b>"
        + escape(
            _("Answers to voters' opinions since your last meeting: {count}").format(
                count=len(answers)
            )
        )
        + "</b>"
    ]
    for petition in answers[:MEETING_ANSWERS]:
        line = f"• {escape(petition.ref)}"
        if petition.summary:
            line += ": " + escape(shorten(petition.summary, SUMMARY_IN_LIST))
        line += " — " + escape(
            _("{agency} answered: {answer}").format(
                agency=petition.agency or "—", answer=shorten(petition.answer, 200)
            )
        )
        lines.append(line)
    if len(answers) > MEETING_ANSWERS:
        lines.append(
            escape(_("… and {count} more: /donthu").format(count=len(answers) - MEETING_ANSWERS))
        )
    return lines
