"""A secretary sends a schedule file; the bot shows the dry run; only Confirm writes."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from telegram import Document, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.domain.buttons import UploadButton, UploadDecision
from bot.domain.keyboards import Button, callback_button
from bot.domain.tables import Problem, format_problem, shorten
from bot.i18n import N_, Gettext
from bot.messages.keyboards import inline_markup
from bot.models import PendingUpload
from bot.services.delegates.accounts import Identity
from bot.services.files.tabular import OLD_EXCEL, OLD_EXCEL_EXTENSIONS
from bot.services.outbox.reminders import ReminderPolicy
from bot.services.schedule.imports import (
    ScheduleImportResult,
    cancellation_lines,
    summary_text,
)
from bot.services.schedule.uploads import (
    MAX_UPLOAD_BYTES,
    UploadStatus,
    decide_upload,
    import_uploaded_schedule,
    is_superseded,
    reopen_upload,
    stage_upload,
)
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button, requires
from bot.telegram.texts import MAX_MESSAGE_LENGTH, answer, edit

logger = logging.getLogger(__name__)

NOT_FOR_DELEGATES = N_(
    "This command is for the council secretariat only. "
    "Delegates do not need to send files to the bot."
)

MAX_PROBLEM_MESSAGES = 2
"""However bad the file, its problems take at most this many messages."""
_PROBLEM_TEXT_LENGTH = MAX_MESSAGE_LENGTH - 96  # room for the "… and N more" line
_LINE_LIMIT = 600
ACCEPTED_SUFFIXES = (".csv", ".xlsx")


def _scope(identity: Identity) -> frozenset[int] | None:
    """Councils this secretary may change; ``None`` means every council (an admin)."""
    if identity.is_admin:
        return None
    assert identity.delegate is not None
    return frozenset({identity.delegate.council_id})


def _problem_line(problem: Problem, _: Gettext, headers: Mapping[str, str]) -> str:
    text = format_problem(problem, _)
    if problem.row is not None and problem.column is not None:
        # The column as the file's own header wrote it («Mã đại biểu»), not its code name.
        column = headers.get(problem.column, problem.column)
        text = _("row {row}, column {column}: {problem}").format(
            row=problem.row, column=column, problem=text
        )
    elif problem.row is not None:
        text = _("row {row}: {problem}").format(row=problem.row, problem=text)
    # Escaping makes a character at most six: 600 of them always fit in one message.
    return f"• {escape(shorten(text, _LINE_LIMIT))}"


def problem_messages(
    problems: Sequence[Problem],
    _: Gettext,
    *,
    messages: int = MAX_PROBLEM_MESSAGES,
    headers: Mapping[str, str] | None = None,
) -> list[str]:
    """The file's problems in at most ``messages`` messages, filled in order.

    What does not fit is counted on a last line, "… and N more problems", so one bad file
    never floods the chat (each quoted cell is already cut to a few dozen characters).
    """
    header = "\n".join(
        [
            _("The file has {count} problem(s); nothing was written:").format(count=len(problems)),
            _("Please correct the file and send it again."),
        ]
    )
    chunks = [header]
    shown = 0
    for problem in problems:
        line = _problem_line(problem, _, headers or {})
        if len(chunks[-1]) + 1 + len(line) <= _PROBLEM_TEXT_LENGTH:
            chunks[-1] += "\n" + line
        elif len(chunks) < messages:
            chunks.append(line)
        else:
            break
        shown += 1
    if shown < len(problems):
        chunks[-1] += "\n" + _("… and {count} more problems").format(count=len(problems) - shown)
    return chunks


async def _download(message: Message, document: Document, _: Gettext) -> bytes | None:
    """The file's bytes, or ``None`` after telling the secretary why not."""
    if document.file_size is not None and document.file_size > MAX_UPLOAD_BYTES:
        await message.reply_text(_("The file is too large (at most 5 MB)."))
        return None
    try:
        telegram_file = await document.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
    except TelegramError:
        logger.warning("could not download an uploaded schedule", exc_info=True)
        await message.reply_text(
            _("Could not download the file from Telegram; please send it again.")
        )
        return None
    if len(content) > MAX_UPLOAD_BYTES:  # the declared size is only what the client said
        await message.reply_text(_("The file is too large (at most 5 MB)."))
        return None
    return content


@requires(Access.secretary, refusal=NOT_FOR_DELEGATES)
async def receive_file(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Stores the file, runs the import as a dry run and asks for confirmation."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    document = message.document
    filename = document.file_name or "schedule"
    if Path(filename).suffix.lower() in OLD_EXCEL_EXTENSIONS:
        await message.reply_text(escape(_(OLD_EXCEL)))  # with how to convert it
        return
    if Path(filename).suffix.lower() not in ACCEPTED_SUFFIXES:
        await message.reply_text(_("Please send the schedule as a .csv or .xlsx file."))
        return
    content = await _download(message, document, _)
    if content is None:
        return
    deps = context.deps
    now = scope.now
    # The dry run rolls the update's session back: nothing of this update is written yet.
    result = await import_uploaded_schedule(
        session=scope.session,
        filename=filename,
        content=content,
        now=now,
        zone=deps.settings.zone,
        dry_run=True,
        actor=f"tg:{identity.telegram_user_id}",
        allowed_council_ids=_scope(identity),
    )
    if result.problems:
        for chunk in problem_messages(result.problems, _, headers=result.headers):
            await message.reply_text(chunk)
        return
    upload_id = await stage_upload(
        session=scope.session,
        telegram_user_id=identity.telegram_user_id,
        filename=filename,
        content=content,
        now=now,
        council_ids=result.council_ids,
    )
    await scope.commit()
    await message.reply_text(
        _checked_text(result, filename, _),
        reply_markup=_decision_keyboard(upload_id, _, cancels=result.events_cancelled),
    )


def _decision_keyboard(upload_id: int, _: Gettext, *, cancels: int = 0) -> InlineKeyboardMarkup:
    """Confirm / Cancel; when the file would cancel events, the choice is spelled out:
    add and update only, or replace the whole schedule (cancelling N), or cancel."""

    def button(text: str, decision: UploadDecision) -> Button:
        return callback_button(text, UploadButton(decision, upload_id))

    if cancels:
        replace = _("Replace the whole schedule (cancel {count} events)").format(count=cancels)
        return inline_markup(
            [
                [button(_("Add and update only"), UploadDecision.merge)],
                [button(replace, UploadDecision.confirm)],
                [button(_("Cancel"), UploadDecision.cancel)],
            ]
        )
    return inline_markup(
        [
            [
                button(_("✅ Confirm"), UploadDecision.confirm),
                button(_("✖️ Cancel"), UploadDecision.cancel),
            ]
        ]
    )


def _checked_text(result: ScheduleImportResult, filename: str, _: Gettext) -> str:
    """What confirming the checked file would change."""
    text = (
        _("Checked <b>{file}</b>. If you confirm:").format(file=escape(filename))
        + "\n"
        + escape(summary_text(result, _))
    )
    if result.events_cancelled:
        # The file would replace its councils' schedule: say by title what would disappear,
        # and who would be told, before the choice.
        lines = cancellation_lines(result, _)
        text += "\n\n⚠️ " + "\n".join(escape(line) for line in lines)
        text += "\n\n" + escape(
            _(
                "Press «Add and update only» to keep them, or «Replace the whole schedule» "
                "if the file is the whole schedule."
            )
        )
    return text


@on_button(UploadButton, Access.secretary)
async def decide(
    update: Update, context: BotContext, scope: UpdateScope, data: UploadButton
) -> None:
    """Confirm writes the file (checked again against today's data); Cancel writes nothing."""
    query = update.callback_query
    assert query is not None
    identity, _ = scope.identity, scope._
    assert identity is not None
    decision = (
        UploadStatus.cancelled if data.decision is UploadDecision.cancel else UploadStatus.confirmed
    )
    now = scope.now
    upload = await decide_upload(
        session=scope.session,
        upload_id=data.upload_id,
        telegram_user_id=identity.telegram_user_id,
        decision=decision,
        now=now,
    )
    superseded = upload is None and await is_superseded(
        session=scope.session, upload_id=data.upload_id, telegram_user_id=identity.telegram_user_id
    )
    # Committed on its own, before the import: the import commits or rolls back the whole
    # session, and a file with problems must still leave the upload decided.
    await scope.commit()
    if superseded:
        text = _("A newer schedule file of this council was sent; this file no longer applies.")
        await answer(query, text, show_alert=True)
        await edit(query, text)
        return
    if upload is None:
        await answer(
            query,
            _("This file was already handled or has expired; send it again if needed."),
            show_alert=True,
        )
        return
    await answer(query)
    if decision is UploadStatus.cancelled:
        await edit(query, _("Cancelled; nothing was written."))
        return
    result = await _import(scope, upload, now, merge=data.decision is UploadDecision.merge)
    if result.problems:
        (text,) = problem_messages(result.problems, _, messages=1, headers=result.headers)
        await edit(query, text)
        return
    logger.info("schedule upload %s imported", upload.id)
    done = [summary_text(result, _), *cancellation_lines(result, _)]
    if result.merge:
        done.append(_("Added and updated only: nothing was cancelled."))
    await edit(
        query,
        _("Schedule saved from <b>{file}</b>:").format(file=escape(upload.filename))
        + "\n"
        + "\n".join(escape(line) for line in done),
    )


async def _import(
    scope: UpdateScope, upload: PendingUpload, now: datetime, *, merge: bool = False
) -> ScheduleImportResult:
    """The confirmed file, imported in the update's session (committed if it changes
    something); if the import fails, the upload is pending again so Confirm can be retried."""
    identity = scope.identity
    assert identity is not None
    assert upload.id is not None
    # Detached: the import's rollback (a file with problems) would expire it.
    scope.session.expunge(upload)
    try:
        return await import_uploaded_schedule(
            session=scope.session,
            filename=upload.filename,
            content=upload.content,
            now=now,
            zone=scope.settings.zone,
            dry_run=False,
            actor=f"tg:{identity.telegram_user_id}",
            allowed_council_ids=_scope(identity),
            policy=ReminderPolicy.from_settings(scope.settings),
            merge=merge,
        )
    except Exception:
        # Undo what the failed import wrote, then make Confirm pressable again.
        await scope.session.rollback()
        await reopen_upload(session=scope.session, upload_id=upload.id)
        await scope.commit()
        raise
