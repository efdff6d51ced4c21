"""``Lý do khác``: after the release (or a session's ``Xin vắng``) is recorded, the
delegate's next message is its reason, kept as a conversation across restarts."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import Update

from bot.services.availability.attendance import set_answer_note
from bot.services.availability.releases import set_release_note
from bot.services.conversations import (
    ConversationState,
    conversation_kind,
    end_conversation,
    start_conversation,
)
from bot.telegram.context import BotContext, UpdateScope


@conversation_kind("away_reason", ttl=timedelta(minutes=30))
class AwayReasonConversation(ConversationState):
    """Waiting for the text of ``Lý do khác``: of a release, or of a session answer."""

    release_id: int | None = None
    session_assignment_id: int | None = None


async def ask_for_reason(
    scope: UpdateScope, *, release_id: int | None = None, session_assignment_id: int | None = None
) -> None:
    """Opens the conversation (in the update's transaction; the caller commits)."""
    assert scope.identity is not None
    await start_conversation(
        session=scope.session,
        telegram_user_id=scope.identity.telegram_user_id,
        state=AwayReasonConversation(
            release_id=release_id, session_assignment_id=session_assignment_id
        ),
        now=scope.now,
    )


async def on_message(
    update: Update, context: BotContext, scope: UpdateScope, state: ConversationState
) -> bool:
    """The reason's text; ``True`` when the message was taken."""
    message = update.effective_message
    identity = scope.identity
    if message is None or not message.text or identity is None:
        return False
    assert isinstance(state, AwayReasonConversation)
    if state.release_id is not None:
        saved = await set_release_note(
            session=scope.session,
            release_id=state.release_id,
            delegate_ids=identity.delegate_ids,
            note=message.text,
        )
    elif state.session_assignment_id is not None:
        saved = await set_answer_note(
            session=scope.session,
            assignment_id=state.session_assignment_id,
            delegate_ids=identity.delegate_ids,
            note=message.text,
        )
    else:
        saved = False
    await end_conversation(
        session=scope.session,
        telegram_user_id=identity.telegram_user_id,
        kind=AwayReasonConversation,
    )
    await scope.commit()
    _ = scope._
    await message.reply_text(
        escape(_("Reason noted.") if saved else _("This absence no longer exists."))
    )
    return True
