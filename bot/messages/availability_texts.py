"""Texts of the availability flow: offers, the office's choice, who stands in, roll calls."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape

from bot.domain.availability import (
    RELEASABLE_KINDS,
    SESSION_KIND,
    Answer,
    AwayReason,
    OfferStatus,
)
from bot.domain.buttons import (
    ChooseStandInButton,
    OfferAnswer,
    ReleaseButton,
    SessionAnswerButton,
    SessionChoice,
    StandInButton,
)
from bot.domain.callbacks import encode
from bot.domain.dates import (
    format_clock,
    format_day,
    format_day_month,
    format_entry_when,
)
from bot.domain.keyboards import Button
from bot.domain.schedule import headline
from bot.i18n import N_, Gettext, get_translator
from bot.messages.office import capitalized, office_name
from bot.messages.petition_texts import fit
from bot.services.availability.attendance import SessionRoll
from bot.services.availability.candidates import ReleaseView
from bot.services.outbox.rows import Outgoing
from bot.services.schedule.views import AssignmentView

REASONS: dict[AwayReason, str] = {
    AwayReason.clash: N_("Schedule clash"),
    AwayReason.personal: N_("Illness or personal matter"),
    AwayReason.other: N_("Other reason"),
}
"""Button labels and how the reason reads to the office."""


def reason_text(reason: str | None, note: str, _: Gettext) -> str:
    label = _(REASONS[AwayReason(reason)]) if reason in set(AwayReason) else ""
    return ": ".join(part for part in (label, note) if part)


def duty_lines(view: AssignmentView, language: str, _: Gettext) -> list[str]:
    """What, when and where, as the other availability texts name a duty."""
    lines = [
        f"<b>{escape(headline(view.kind, view.title, _))}</b>",
        "🗓 " + escape(format_entry_when(view.kind, view.starts_at, view.ends_at, language)),
    ]
    if view.location:
        lines.append(f"📍 {escape(view.location)}")
    if view.council_name:
        lines.append(f"🏛 {escape(view.council_name)}")
    return lines


def away_button(assignment_id: int, _: Gettext) -> Button:
    return Button(_("Can't attend"), encode(ReleaseButton(assignment_id)))


def session_buttons(assignment_id: int, _: Gettext) -> list[Button]:
    return [
        Button(_("Will attend"), encode(SessionAnswerButton(assignment_id, SessionChoice.attend))),
        Button(_("Can't attend"), encode(SessionAnswerButton(assignment_id, SessionChoice.absent))),
    ]


def agenda_rows(
    views: Sequence[AssignmentView],
    _: Gettext,
    language: str,
    answers: Mapping[int, Answer] | None = None,
) -> list[list[Button]]:
    """Under ``/lich``: ``Xin vắng`` for each duty that can be handed on, named by its day
    and title; ``Tham dự`` / ``Xin vắng`` for each session, both short enough for a phone
    and dated (the agenda above gives the title; the time too when two sessions share a
    day). A session already answered keeps only the other choice, the later word counting:
    ``Xin vắng`` after ``Tham dự``, ``Rút xin vắng`` after ``Xin vắng`` (a lone «Tham dự»
    under «đã xin vắng» reads as a status, not a choice). ``Rút xin vắng`` records
    ``Tham dự``: withdrawing the excuse is attending after all, and the roll call counts
    it so. One row per item; the callback data is the reminders' own."""
    answers = answers or {}
    session_days = Counter(v.starts_at.date() for v in views if v.kind == SESSION_KIND)
    rows: list[list[Button]] = []
    for view in views:
        if view.kind in RELEASABLE_KINDS:
            named = f" · {format_day_month(view.starts_at)} {headline(view.kind, view.title, _)}"
            away = away_button(view.assignment_id, _)
            rows.append([Button((away.text + named)[:MAX_LABEL], away.callback_data)])
        elif view.kind == SESSION_KIND:
            when = format_day_month(view.starts_at)
            if session_days[view.starts_at.date()] > 1:
                when += " " + format_clock(view.starts_at, language)
            attend, absent = session_buttons(view.assignment_id, _)
            match answers.get(view.assignment_id):
                case Answer.attend:
                    choices = [absent]
                case Answer.absent:
                    choices = [Button(_("↩️ Withdraw absence"), attend.callback_data)]
                case _:
                    choices = [attend, absent]
            rows.append([Button(f"{b.text} {when}", b.callback_data) for b in choices])
    return _within_budget(rows, MAX_AGENDA_BUTTONS)


def _within_budget(rows: list[list[Button]], budget: int) -> list[list[Button]]:
    """The first rows whose buttons fit in ``budget`` (a keyboard holds at most 100)."""
    kept: list[list[Button]] = []
    for row in rows:
        budget -= len(row)
        if budget < 0:
            break
        kept.append(row)
    return kept


def answer_mark(answer: Answer | None, _: Gettext) -> str:
    """After a session in ``/lich``: the answer its delegate gave (nothing if none)."""
    if answer is Answer.attend:
        return " · " + _("✅ you said you will attend")
    if answer is Answer.absent:
        return " · " + _("🙅 you asked to be excused")
    return ""


MAX_LABEL = 60
MAX_AGENDA_BUTTONS = 99
"""Every item of ``/lich`` (30 days) gets its buttons, up to Telegram's 100 buttons per
keyboard less the calendar file's."""


def reason_buttons(assignment_id: int, _: Gettext, *, session: bool) -> list[list[Button]]:
    def data(reason: AwayReason) -> str:
        if session:
            return encode(SessionAnswerButton(assignment_id, SessionChoice.absent, reason))
        return encode(ReleaseButton(assignment_id, reason))

    return [[Button(_(label), data(reason))] for reason, label in REASONS.items()]


def offer_message(item: ReleaseView, offer_id: int, language: str, _: Gettext) -> Outgoing:
    lines = [
        "🤝 <b>" + escape(_("Can you stand in?")) + "</b>",
        escape(_("Đồng chí {name} cannot attend this duty:").format(name=item.absent_name)),
        "",
        *duty_lines(item.view, language, _),
        "",
        escape(_("The first delegate to accept takes the place.")),
    ]
    return Outgoing(
        text="\n".join(lines),
        keyboard=(
            (
                Button(_("I'll stand in"), encode(StandInButton(offer_id, OfferAnswer.take))),
                Button(_("Can't"), encode(StandInButton(offer_id, OfferAnswer.decline))),
            ),
        ),
    )


def closed_offer_message(
    item: ReleaseView, status: OfferStatus, language: str, _: Gettext
) -> Outgoing:
    """An offer's message once it closed without its candidate: without buttons, saying
    who took the place (``lost``) or that the duty began or was cancelled (``withdrawn``)."""
    if status is OfferStatus.withdrawn:
        return Outgoing(
            text="\n".join(
                [
                    "✖️ <b>" + escape(_("This offer is closed")) + "</b>",
                    *duty_lines(item.view, language, _),
                    escape(_("This duty has already begun or was cancelled.")),
                ]
            )
        )
    lines = [
        "✔️ <b>" + escape(_("This place has been taken")) + "</b>",
        *duty_lines(item.view, language, _),
    ]
    if item.taker_name:
        lines.append(
            escape(_("Đồng chí {name} stands in. Thank you.").format(name=item.taker_name))
        )
    return Outgoing(text="\n".join(lines))


def escalation_message(item: ReleaseView, language: str, _: Gettext) -> Outgoing:
    release = item.release
    reason = reason_text(release.reason, release.note, _)
    lines = [
        "⚠️ <b>" + escape(_("A stand-in is needed")) + "</b>",
        *duty_lines(item.view, language, _),
        escape(_("Away: {name}").format(name=item.absent_name))
        + (escape(f" — {reason}") if reason else ""),
    ]
    declined = sum(1 for s in item.offers.values() if s == "declined")
    if declined:
        lines.append(escape(_("Declined the offer: {count}").format(count=declined)))
    if item.candidates:
        lines.append(escape(_("Choose who stands in:")))
    else:
        lines.append(escape(_("No delegate of this duty's list is free: please arrange it.")))
    assert release.id is not None
    keyboard = tuple(
        (Button(f"{code} {name}"[:60], encode(ChooseStandInButton(release.id, delegate_id))),)
        for delegate_id, code, name in item.candidates
    )
    return Outgoing(text="\n".join(lines), keyboard=keyboard)


def news_message(
    item: ReleaseView,
    news: str,
    *,
    offer_id: int | None,
    language: str,
    _: Gettext,
    office: str = "",
) -> Outgoing | None:
    """``office`` is ``SECRETARIAT_NAME``; the council's office is named when it is empty."""
    if news == "assigned":
        lines = [
            "📌 <b>"
            + escape(
                _("{office} asks you to stand in").format(
                    office=capitalized(office_name(_, item.council, override=office))
                )
            )
            + "</b>",
            escape(_("In place of Đồng chí {name}:").format(name=item.absent_name)),
            *duty_lines(item.view, language, _),
            escape(_("You will get its reminders. If you cannot, press the button below.")),
        ]
        buttons = (
            ((Button(_("Can't"), encode(StandInButton(offer_id, OfferAnswer.decline))),),)
            if offer_id is not None
            else ()
        )
        return Outgoing(text="\n".join(lines), keyboard=buttons)
    if news == "declined":
        return Outgoing(
            text="\n".join(
                [
                    "⚠️ <b>" + escape(_("The chosen stand-in cannot attend")) + "</b>",
                    *duty_lines(item.view, language, _),
                ]
            )
        )
    if item.taker_name is None:
        return None  # taken back meanwhile: nothing true to say
    return Outgoing(
        text="\n".join(
            [
                "🤝 <b>" + escape(_("Stand-in found")) + "</b>",
                *duty_lines(item.view, language, _),
                escape(
                    _("Đồng chí {taker} stands in for Đồng chí {absent}.").format(
                        taker=item.taker_name, absent=item.absent_name
                    )
                ),
            ]
        )
    )


ANSWERS = {
    Answer.attend: N_("Attending: {count}"),
    Answer.absent: N_("Absent: {count}"),
    Answer.none: N_("No answer: {count}"),
}


def attendance_message(rolls: Sequence[SessionRoll], *, language: str) -> Outgoing:
    """The Standing Committee's part of the daily summary: tomorrow's sessions' answers."""
    _ = get_translator(language)
    header = "📋 <b>" + escape(_("Attendance at tomorrow's session")) + "</b>"
    more = escape(_("… and {count} more lines."))
    return Outgoing(text=fit([header, "", *roll_lines(rolls, language, _)], more))


def roll_lines(rolls: Sequence[SessionRoll], language: str, _: Gettext) -> list[str]:
    """``/diemdanh`` and the Standing Committee's summary: per session, names by answer."""
    lines: list[str] = []
    for roll in rolls:
        if lines:
            lines.append("")
        lines.append(f"<b>{escape(roll.title)}</b> — {escape(roll.council_name)}")
        lines.append(
            "🗓 "
            + escape(
                f"{format_clock(roll.starts_at, language)} "
                f"{format_day(roll.starts_at.date(), language)}"
            )
        )
        for answer, label in ANSWERS.items():
            people = [line for line in roll.lines if line.answer is answer]
            lines.append("<b>" + escape(_(label).format(count=len(people))) + "</b>")
            for line in people:
                text = f"• {line.delegate_code} {line.delegate_name}"
                if answer is Answer.absent:
                    reason = reason_text(line.reason, line.note, _)
                    text += f" — {reason}" if reason else ""
                lines.append(escape(text))
    return lines
