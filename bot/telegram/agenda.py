"""/lich: a delegate's next 30 days, and their calendar as an .ics file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from html import escape

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot.domain.availability import SESSION_KIND, Answer
from bot.domain.buttons import AgendaAction, AgendaButton
from bot.domain.callbacks import encode
from bot.domain.dates import format_day, format_entry_time
from bot.domain.keyboards import Button
from bot.domain.schedule import headline
from bot.i18n import Gettext
from bot.messages.availability_texts import agenda_rows, answer_mark
from bot.messages.keyboards import inline_markup
from bot.services.availability.attendance import answers_to
from bot.services.schedule.ics import build_ics, ics_filename
from bot.services.schedule.imports import AssignmentView, list_assignments
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button, requires
from bot.telegram.texts import answer, edit, split_message

AGENDA_DAYS = 30
ICS_CALLBACK = encode(AgendaButton(AgendaAction.ics))


def agenda_lines(
    views: list[AssignmentView],
    language: str,
    _: Gettext,
    answers: Mapping[int, Answer] | None = None,
) -> list[str]:
    """Assignments grouped under a heading per date, each session with the answer given
    to it; every line is balanced HTML."""
    answers = answers or {}
    lines: list[str] = []
    current = None
    # A person on two councils sees which council each duty belongs to.
    several = any(v.several_councils for v in views) or len({v.council_name for v in views}) > 1
    for view in views:
        day = view.starts_at.date()
        if day != current:
            if lines:
                lines.append("")
            lines.append(f"<b>{escape(format_day(day, language))}</b>")
            current = day
        line = (
            f"• {escape(format_entry_time(view.kind, view.starts_at, view.ends_at, language))} "
            f"{escape(headline(view.kind, view.title, _))}"
        )
        if view.location:
            line += f" — {escape(view.location)}"
        if several and view.council_name:
            line += f" · 🏛 {escape(view.council_name)}"
        line += escape(answer_mark(answers.get(view.assignment_id), _))
        lines.append(line)
    return lines


def ics_keyboard(
    _: Gettext,
    language: str,
    views: Sequence[AssignmentView] = (),
    answers: Mapping[int, Answer] | None = None,
) -> InlineKeyboardMarkup:
    """``Xin vắng`` for each duty that can be handed on, ``Tham dự`` / ``Xin vắng`` for
    each session (availability), and the calendar file."""
    rows = [list(row) for row in agenda_rows(views, _, language, answers)]
    rows.append([Button(_("📅 Add to my calendar (.ics)"), ICS_CALLBACK)])
    return inline_markup(rows)


async def agenda_reply(scope: UpdateScope) -> tuple[list[str], InlineKeyboardMarkup]:
    """``/lich``'s message, in parts a message holds, and the keyboard under the last."""
    identity, _ = scope.identity, scope._
    assert identity is not None
    now = scope.now
    views = await list_assignments(
        session=scope.session,
        zone=scope.settings.zone,
        delegate_ids=list(identity.delegate_ids),
        starts_from=now,
        starts_before=now + timedelta(days=AGENDA_DAYS),
    )
    if not views:
        empty = _("You have no assignments in the next {days} days.").format(days=AGENDA_DAYS)
        return [empty], ics_keyboard(_, identity.language)
    header = _("<b>Your schedule for the next {days} days</b> ({count} assignments)").format(
        days=AGENDA_DAYS, count=len(views)
    )
    sessions = [v.assignment_id for v in views if v.kind == SESSION_KIND]
    answers = await answers_to(session=scope.session, assignment_ids=sessions)
    lines = agenda_lines(views, identity.language, _, answers)
    chunks = split_message("\n".join([header, "", *lines]))
    return chunks, ics_keyboard(_, identity.language, views, answers)


@requires(Access.delegate)
async def agenda(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Shows the caller's own assignments for the next 30 days."""
    if (message := update.effective_message) is None:
        return
    chunks, markup = await agenda_reply(scope)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await message.reply_text(chunk, reply_markup=markup if last else None)


def is_agenda(message: object) -> bool:
    """A ``/lich`` message: the one whose keyboard offers the calendar file."""
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return False
    return any(b.callback_data == ICS_CALLBACK for row in markup.inline_keyboard for b in row)


async def refresh_agenda(query: CallbackQuery, scope: UpdateScope) -> None:
    """After an answer given with ``/lich``'s buttons, its message shows the new state.
    A long agenda's buttons are under its last part, whose lines may since have moved to
    another part: then only the buttons are redrawn. An edit that would change nothing is
    not sent (Telegram refuses it)."""
    message = query.message
    if not isinstance(message, Message) or not is_agenda(message):
        return
    chunks, markup = await agenda_reply(scope)
    if len(chunks) == 1:
        if chunks[0] != message.text_html or markup != message.reply_markup:
            await edit(query, chunks[0], markup)
    elif markup != message.reply_markup:
        await query.edit_message_reply_markup(markup)


@on_button(AgendaButton, Access.delegate)
async def agenda_button(
    update: Update, context: BotContext, scope: UpdateScope, data: AgendaButton
) -> None:
    """The "My schedule" button under a reminder, and "Add to my calendar"."""
    query = update.callback_query
    assert query is not None
    await answer(query)
    if data.action is AgendaAction.show:
        await agenda(update, context)
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    assert identity.delegate is not None
    now = scope.now
    settings = scope.settings
    views = await list_assignments(
        session=scope.session,
        zone=settings.zone,
        delegate_ids=list(identity.delegate_ids),
        starts_from=now,
    )
    ics = build_ics(
        views,
        offsets=settings.REMINDER_OFFSETS,
        zone=settings.zone,
        calendar_name=_("HĐND duties — {code}").format(code=identity.delegate.code),
        language=identity.language,
        now=now,
    )
    await context.bot.send_document(
        chat_id=identity.telegram_user_id,
        document=ics,
        filename=ics_filename(identity.delegate.code),
        caption=_(
            "Open this file to add your {count} upcoming assignments to your calendar."
        ).format(count=len(views)),
    )
