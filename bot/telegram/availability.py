"""Availability in the bot: ``Xin vắng`` and its reasons, the office's choice of a
stand-in, session answers, ``/vang`` and ``/diemdanh`` (a candidate's answer to an offer:
``availability_offers``).

Every handler writes through the services in the update's session and commits before it
tells anyone; offers and news are outbox rows, so this process's dispatcher is woken.
"""

from __future__ import annotations

import logging
from datetime import date
from html import escape

from telegram import Message, Update

from bot.domain.availability import Answer, AwayInputError, AwayReason, parse_away
from bot.domain.buttons import (
    ChooseStandInButton,
    ReleaseButton,
    SessionAnswerButton,
    SessionChoice,
    WithdrawAbsenceButton,
)
from bot.domain.callbacks import encode
from bot.domain.dates import format_day, format_day_month
from bot.domain.keyboards import Button
from bot.i18n import N_
from bot.messages.availability_texts import (
    REASONS,
    duty_lines,
    reason_buttons,
    roll_lines,
)
from bot.messages.keyboards import inline_markup
from bot.messages.office import office_name
from bot.models import Council, Delegate
from bot.services.availability.absences import (
    active_absences,
    record_absence,
    withdraw_absence,
)
from bot.services.availability.attendance import record_answer, session_rolls
from bot.services.availability.releases import (
    Released,
    ReleaseRefusal,
    SubstitutePolicy,
    release_assignment,
)
from bot.services.availability.standins import (
    AssignOutcome,
    assign_stand_in,
)
from bot.services.schedule.views import assignments_by_id
from bot.telegram.agenda import refresh_agenda
from bot.telegram.availability_offers import on_stand_in as on_stand_in  # for the app
from bot.telegram.availability_reason import ask_for_reason
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button, requires
from bot.telegram.texts import answer, edit, split_message

logger = logging.getLogger(__name__)


def _policy(scope: UpdateScope) -> SubstitutePolicy:
    return SubstitutePolicy.from_settings(scope.settings)


async def _duty(scope: UpdateScope, assignment_id: int) -> list[str]:
    views = await assignments_by_id(
        session=scope.session, ids=[assignment_id], zone=scope.settings.zone
    )
    view = views.get(assignment_id)
    return duty_lines(view, scope.language, scope._) if view is not None else []


async def _own_duty(scope: UpdateScope, assignment_id: int) -> list[str] | None:
    """The caller's own duty, described; ``None`` when it is not theirs (or is gone), so
    that a forged button shows nothing of someone else's schedule."""
    assert scope.identity is not None
    views = await assignments_by_id(
        session=scope.session, ids=[assignment_id], zone=scope.settings.zone
    )
    view = views.get(assignment_id)
    if view is None or view.delegate_id not in scope.identity.delegate_ids:
        return None
    return duty_lines(view, scope.language, scope._)


_REFUSED = {
    ReleaseRefusal.not_found: N_("This duty no longer exists."),
    ReleaseRefusal.not_yours: N_("This duty is not yours."),
    ReleaseRefusal.started: N_("This duty has already begun or was cancelled."),
    ReleaseRefusal.not_releasable: N_("This kind of duty cannot be handed on here."),
    ReleaseRefusal.already: N_("You have already been excused from this duty."),
}


@on_button(ReleaseButton, Access.delegate)
async def on_release(
    update: Update, context: BotContext, scope: UpdateScope, data: ReleaseButton
) -> None:
    """``Xin vắng``: first the reasons, then the release."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    if data.reason is None:
        if (lines := await _own_duty(scope, data.assignment_id)) is None:
            await answer(query, _(_REFUSED[ReleaseRefusal.not_yours]), show_alert=True)
            return
        await answer(query)
        text = "\n".join(["🙅 <b>" + escape(_("Why can't you attend?")) + "</b>", *lines])
        if query.message is not None:
            await context.bot.send_message(
                chat_id=query.message.chat.id,
                text=text,
                reply_markup=inline_markup(reason_buttons(data.assignment_id, _, session=False)),
            )
        return
    outcome = await release_assignment(
        session=scope.session,
        assignment_id=data.assignment_id,
        delegate_ids=scope.identity.delegate_ids,
        reason=data.reason,
        note="",
        now=scope.now,
        policy=_policy(scope),
    )
    if not isinstance(outcome, Released):
        await answer(query, _(_REFUSED[outcome]), show_alert=True)
        return
    lines = await _duty(scope, data.assignment_id)
    other = data.reason is AwayReason.other
    if other:
        await ask_for_reason(scope, release_id=outcome.release.id)
    await scope.commit()
    context.deps.wake()
    await answer(query)
    text = "\n".join(
        [
            "✅ <b>" + escape(_("You are excused from this duty")) + "</b>",
            *lines,
            escape(_("Reason: {reason}").format(reason=_(REASONS[data.reason]))),
            escape(_("A stand-in is being sought; you will be told who takes the place.")),
        ]
        + ([escape(_("Please write the reason in one message."))] if other else [])
    )
    await edit(query, text)


_ASSIGN_TEXTS = {
    AssignOutcome.taken: N_("Another delegate already stands in."),
    AssignOutcome.late: N_("This duty has already begun or was cancelled."),
    AssignOutcome.not_found: N_("This request no longer exists."),
    AssignOutcome.not_allowed: N_("This duty belongs to another council."),
    AssignOutcome.not_candidate: N_("This delegate cannot be chosen for this duty."),
}


@on_button(ChooseStandInButton, Access.secretary)
async def on_choose(
    update: Update, context: BotContext, scope: UpdateScope, data: ChooseStandInButton
) -> None:
    """The office's button: this delegate stands in (they are told and may decline)."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    outcome, release, chosen = await assign_stand_in(
        session=scope.session,
        release_id=data.release_id,
        delegate_id=data.delegate_id,
        managed=scope.identity.office.acts_on_filter,
        actor=f"tg:{scope.identity.telegram_user_id}",
        now=scope.now,
        zone=scope.settings.zone,
    )
    lines = await _duty(scope, release.release.assignment_id) if release is not None else []
    await scope.commit()
    context.deps.wake()
    if outcome is AssignOutcome.assigned and chosen is not None:
        await answer(query)
        await edit(
            query,
            "\n".join(
                [
                    "✅ <b>"
                    + escape(_("Đồng chí {name} stands in").format(name=chosen.full_name))
                    + "</b>",
                    *lines,
                    escape(_("They have been told and may still decline.")),
                ]
            ),
        )
        return
    text = _(_ASSIGN_TEXTS[outcome])
    if outcome is AssignOutcome.taken and chosen is not None:
        text += " " + chosen.full_name
    await answer(query, text, show_alert=True)


@on_button(SessionAnswerButton, Access.delegate)
async def on_session_answer(
    update: Update, context: BotContext, scope: UpdateScope, data: SessionAnswerButton
) -> None:
    """``Tham dự`` / ``Xin vắng`` on a session reminder (an absence asks for its reason)."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    if data.choice is SessionChoice.absent and data.reason is None:
        if (lines := await _own_duty(scope, data.assignment_id)) is None:
            await answer(query, _(_REFUSED[ReleaseRefusal.not_yours]), show_alert=True)
            return
        await answer(query)
        if query.message is not None:
            await context.bot.send_message(
                chat_id=query.message.chat.id,
                text="\n".join(["🙅 <b>" + escape(_("Why can't you attend?")) + "</b>", *lines]),
                reply_markup=inline_markup(reason_buttons(data.assignment_id, _, session=True)),
            )
        return
    attend = data.choice is SessionChoice.attend
    saved = await record_answer(
        session=scope.session,
        assignment_id=data.assignment_id,
        delegate_ids=scope.identity.delegate_ids,
        answer=Answer.attend if attend else Answer.absent,
        reason=data.reason,
        note="",
        now=scope.now,
    )
    lines = await _duty(scope, data.assignment_id)
    other = saved and data.reason is AwayReason.other
    if other:
        await ask_for_reason(scope, session_assignment_id=data.assignment_id)
    await scope.commit()
    if not saved:
        await answer(query, _("This session has begun, or is not yours."), show_alert=True)
        return
    await answer(query, _("Noted: you will attend.") if attend else _("Noted: you are excused."))
    await refresh_agenda(query, scope)
    if not attend and data.reason is not None:
        reason = _(REASONS[data.reason])
        await edit(
            query,
            "\n".join(
                [
                    "✅ <b>" + escape(_("Noted: you are excused.")) + "</b>",
                    *lines,
                    escape(_("Reason: {reason}").format(reason=reason)),
                ]
                + ([escape(_("Please write the reason in one message."))] if other else [])
            ),
        )


@requires(Access.delegate)
async def away_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """``/vang DD/MM/YYYY [DD/MM/YYYY] [lý do]``, or alone: the recorded absences."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    today = scope.now.astimezone(scope.settings.zone).date()
    arguments = list(context.args or [])
    if not arguments:
        await _list_absences(message, scope, today)
        return
    try:
        request = parse_away(arguments, today)
    except AwayInputError as error:
        await message.reply_text(escape(_(str(error.args[0]))) + "\n" + escape(_(AWAY_USAGE)))
        return
    released = sessions = 0
    reason = AwayReason.other if request.note else AwayReason.personal
    for delegate_id in identity.delegate_ids:
        result = await record_absence(
            session=scope.session,
            delegate_id=delegate_id,
            starts_on=request.starts_on,
            ends_on=request.ends_on,
            reason=reason,
            note=request.note,
            source="bot",
            now=scope.now,
            policy=_policy(scope),
        )
        released += result.released
        sessions += result.sessions
    await scope.commit()
    context.deps.wake()
    period = _period(request.starts_on, request.ends_on, identity.language)
    await message.reply_text(
        escape(
            _(
                "Absence recorded: {period}. Duties released: {released}; "
                "sessions marked absent: {sessions}. Duties planned later in this "
                "period are released too."
            ).format(period=period, released=released, sessions=sessions)
        )
    )


AWAY_USAGE = N_("Usage: /vang DD/MM/YYYY [DD/MM/YYYY] [reason]")


def _period(starts_on: date, ends_on: date, language: str) -> str:
    first = format_day(starts_on, language)
    return first if starts_on == ends_on else f"{first} – {format_day(ends_on, language)}"


async def _list_absences(message: Message, scope: UpdateScope, today: date) -> None:
    identity, _ = scope.identity, scope._
    assert identity is not None
    absences = await active_absences(
        session=scope.session, delegate_ids=identity.delegate_ids, today=today
    )
    if not absences:
        await message.reply_text(escape(_("You have no recorded absence.") + "\n" + _(AWAY_USAGE)))
        return
    lines = ["<b>" + escape(_("Your recorded absences")) + "</b>"]
    rows = []
    for absence in absences:
        assert absence.id is not None
        period = _period(absence.starts_on, absence.ends_on, identity.language)
        lines.append("• " + escape(period + (f" — {absence.note}" if absence.note else "")))
        rows.append(
            [
                Button(
                    _("Withdraw {period}").format(period=format_day_month(absence.starts_on)),
                    encode(WithdrawAbsenceButton(absence.id)),
                )
            ]
        )
    await message.reply_text("\n".join(lines), reply_markup=inline_markup(rows[:10]))


@on_button(WithdrawAbsenceButton, Access.delegate)
async def on_withdraw(
    update: Update, context: BotContext, scope: UpdateScope, data: WithdrawAbsenceButton
) -> None:
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    absence = await withdraw_absence(
        session=scope.session,
        absence_id=data.absence_id,
        delegate_ids=scope.identity.delegate_ids,
        now=scope.now,
    )
    await scope.commit()
    if absence is None:
        await answer(query, _("This absence no longer exists."), show_alert=True)
        return
    await answer(query)
    delegate = await scope.session.get(Delegate, absence.delegate_id)
    council = await scope.session.get(Council, delegate.council_id) if delegate else None
    office = office_name(_, council, override=scope.settings.SECRETARIAT_NAME)
    await edit(
        query,
        escape(
            _(
                "Absence withdrawn. Duties already released stay released: if you can "
                "attend after all, please tell {office}."
            ).format(office=office)
        ),
    )


@requires(Access.secretary)
async def attendance_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """``/diemdanh``: the next session of the office's council, answer by answer."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    managed = identity.office.acts_on_filter
    rolls = await session_rolls(
        session=scope.session,
        zone=scope.settings.zone,
        council_ids=sorted(managed) if managed is not None else None,
        starts_from=scope.now,
        first_only=True,
    )
    if not rolls:
        await message.reply_text(escape(_("No session is planned.")))
        return
    header = "📋 <b>" + escape(_("Attendance at the next session")) + "</b>"
    text = "\n".join([header, "", *roll_lines(rolls, identity.language, _)])
    for chunk in split_message(text):
        await message.reply_text(chunk)
