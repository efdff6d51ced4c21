"""/thongbao's conversation: the recipients are chosen, then the notice becomes a draft.

The steps before the notice arrives live in a conversation row (``broadcast``): the
recipient menu (``bot/telegram/broadcasts/menu.py``), a typed list of codes, then "send
the notice now". The notice turns into a draft broadcast; from there on the buttons
carry the broadcast's id (``bot/telegram/broadcasts/draft.py``). Each update is one unit
of work (``bot/telegram/scope.py``): what a step writes is committed before the bot
answers.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from enum import StrEnum
from html import escape
from typing import Any

from telegram import Message, Update

from bot.domain.broadcasts import (
    KeptNotice,
    NoticeKind,
    RequestError,
    Target,
    TargetKind,
    parse_target,
)
from bot.domain.buttons import StopComposingButton
from bot.domain.callbacks import encode
from bot.domain.keyboards import Button
from bot.i18n import N_, Gettext
from bot.messages import broadcast_texts as texts
from bot.messages.keyboards import inline_markup
from bot.models import Broadcast
from bot.services.broadcasts.drafts import (
    CouncilRef,
    add_album_part,
    create_draft,
    get_broadcast,
    resolve_audience,
    resolve_council,
)
from bot.services.conversations import (
    ConversationState,
    conversation_kind,
    end_conversation,
    start_conversation,
)
from bot.services.delegates.accounts import Identity
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import SECRETARIES_ONLY, refuse

logger = logging.getLogger(__name__)


class BroadcastStep(StrEnum):
    council = "council"
    """An admin chooses the council."""
    choose = "choose"
    """The recipient menu is shown (recipients may also be typed)."""
    codes = "codes"
    """Waiting for delegate codes."""
    notice = "notice"
    """Waiting for the notice itself."""
    album = "album"
    """The notice is an album: its other parts are on their way."""


@conversation_kind("broadcast", ttl=timedelta(hours=2))
class BroadcastConversation(ConversationState):
    """/thongbao before the notice arrives."""

    step: BroadcastStep
    deadline_seconds: float | None = None
    council: int | None = None
    target: Target | None = None
    """The recipients: chosen before the council (an admin's), or those the notice is for."""
    units: tuple[str, ...] = ()
    """The unit menu's names, so that a button carries only an index."""
    album_draft: int | None = None
    media_group: str | None = None
    """The album whose parts are added to ``album_draft`` as they arrive."""

    @property
    def deadline(self) -> timedelta | None:
        return timedelta(seconds=self.deadline_seconds) if self.deadline_seconds else None


MAX_UNIT_BUTTONS = 40
NOT_AVAILABLE = N_("This notice is not available any more.")


def render_error(error: RequestError, _: Gettext) -> str:
    params = {key: escape(value) for key, value in error.params.items()}
    return _(error.message).format(**params)


def home_council(identity: Identity) -> int | None:
    """The council a secretary (or an admin with a delegate record) works for."""
    office = identity.office
    for delegate in identity.delegates:
        if delegate.council_id in office.own:
            return delegate.council_id
    if office.everywhere and identity.delegates:
        return identity.delegates[0].council_id
    return None


def secretary(scope: UpdateScope) -> Identity:
    """The caller of a handler guarded by ``requires(Access.secretary)``."""
    identity = scope.identity
    assert identity is not None
    assert identity.office.is_office
    return identity


def stop_button(_: Gettext) -> Button:
    return Button(_("Cancel"), encode(StopComposingButton()))


async def managed_broadcast(scope: UpdateScope, broadcast_id: int) -> Broadcast | None:
    """The broadcast, if the caller's secretariat may act on it; ``None`` for anything else."""
    broadcast = await get_broadcast(session=scope.session, broadcast_id=broadcast_id)
    if broadcast is None or broadcast.id is None:
        return None
    return broadcast if secretary(scope).office.may_reach(broadcast.council_id) else None


async def start_step(
    scope: UpdateScope, step: BroadcastStep, deadline: timedelta | None, **state: Any
) -> None:
    """Moves the caller's /thongbao to ``step`` and commits it before the bot answers."""
    await start_conversation(
        session=scope.session,
        telegram_user_id=secretary(scope).telegram_user_id,
        state=BroadcastConversation(
            step=step, deadline_seconds=deadline.total_seconds() if deadline else None, **state
        ),
        now=scope.now,
    )
    await scope.commit()


async def ask_for_notice(
    message: Message,
    scope: UpdateScope,
    council: CouncilRef,
    target: Target,
    deadline: timedelta | None,
) -> None:
    """Checks the recipients, then asks for the notice itself."""
    _ = scope._
    try:
        audience = await resolve_audience(
            session=scope.session, council_id=council.id, target=target
        )
    except RequestError as error:
        await message.reply_text(render_error(error, _))
        return
    await start_step(scope, BroadcastStep.notice, deadline, council=council.id, target=target)
    if target.kind is TargetKind.correction:
        intro = _(
            "Send the correction now. It goes to the {count} recipient(s) of notice #{number} "
            "as a reply to their copy, and asks them to acknowledge again."
        ).format(count=audience.total, number=target.corrects_id)
    else:
        intro = _("Recipients: {audience} of {council} ({people}).").format(
            audience=texts.target_label(target, _),
            council=escape(council.name),
            people=texts.recipients_phrase(audience.total, target, _),
        )
        intro += "\n" + _(
            "Now send the notice: a text (formatting is kept), a photo, or a document such "
            "as the invitation PDF with its caption."
        )
        intro += "\n" + texts.CLASSIFIED_WARNING_MARK + _(texts.CLASSIFIED_WARNING)
    intro += "\n" + _(
        "Keep your message in this chat: each delegate receives a copy of it, and the "
        "copies are made from it."
    )
    await message.reply_text(intro, reply_markup=inline_markup([[stop_button(_)]]))


def has_file(message: Message | None) -> bool:
    """Whether the notice carries a photo or a document (then the preview warns that
    classified documents never go through Telegram)."""
    return message is not None and bool(message.photo or message.document)


async def conversation_council(
    scope: UpdateScope, state: BroadcastConversation
) -> CouncilRef | None:
    """The council the conversation is about, if the caller still manages it."""
    identity = secretary(scope)
    council_id = state.council
    if council_id is None:
        return None
    return await resolve_council(
        session=scope.session, reach=identity.office.reaches_filter, code=None, home=council_id
    )


# --- the conversation: typed recipients, then the notice ---------------------------------------


async def on_message(
    update: Update, context: BotContext, scope: UpdateScope, state: BroadcastConversation
) -> bool:
    """A message inside /thongbao: recipients typed at the menu, or the notice itself.

    At the menu only text is taken (a file sent then is, say, a schedule upload).
    """
    if (message := update.effective_message) is None:
        return False
    if state.step not in (BroadcastStep.notice, BroadcastStep.album) and not message.text:
        return False
    _ = scope._
    if scope.identity is None or not scope.identity.office.is_office:
        await refuse(update, _(SECRETARIES_ONLY))
        return True
    if state.step is BroadcastStep.album:
        return await _album_part(message, scope, state)
    if state.step is BroadcastStep.notice:
        await _receive_notice(message, scope, state)
        return True
    council = await conversation_council(scope, state)
    if council is None or not message.text:
        await message.reply_text(
            _("Choose the recipients with the buttons above, or send /thongbao again.")
        )
        return True
    try:
        target = parse_target(message.text)
    except RequestError as error:
        await message.reply_text(render_error(error, _))
        return True
    await ask_for_notice(message, scope, council, target, state.deadline)
    return True


async def _album_part(message: Message, scope: UpdateScope, state: BroadcastConversation) -> bool:
    """A part of the album being sent is added to its draft; anything else ends the wait
    and is handled as usual."""
    same_album = state.album_draft is not None and message.media_group_id == state.media_group
    if same_album and await add_album_part(
        session=scope.session, broadcast_id=state.album_draft or 0, message_id=message.message_id
    ):
        await scope.commit()
        return True
    await end_conversation(
        session=scope.session,
        telegram_user_id=secretary(scope).telegram_user_id,
        kind=BroadcastConversation,
    )
    await scope.commit()
    return False


async def _receive_notice(
    message: Message, scope: UpdateScope, state: BroadcastConversation
) -> None:
    """The notice: the conversation ends and the draft is made in one transaction."""
    _ = scope._
    if not (message.text or message.photo or message.document):
        await message.reply_text(
            _("Please send the notice as a text, a photo, or a document with a caption.")
        )
        return
    identity = secretary(scope)
    await end_conversation(
        session=scope.session,
        telegram_user_id=identity.telegram_user_id,
        kind=BroadcastConversation,
    )
    council = await conversation_council(scope, state)
    if council is None or state.target is None:
        await scope.commit()
        await message.reply_text(_(NOT_AVAILABLE))
        return
    try:
        audience = await resolve_audience(
            session=scope.session, council_id=council.id, target=state.target
        )
    except RequestError as error:
        await scope.commit()
        await message.reply_text(render_error(error, _))
        return
    draft = await create_draft(
        session=scope.session,
        council_id=council.id,
        created_by=identity.telegram_user_id,
        target=state.target,
        source_chat_id=message.chat_id,
        source_message_id=message.message_id,
        deadline=state.deadline,
        now=scope.now,
        notice=kept_notice(message),
    )
    if message.media_group_id is not None:
        # The album's other parts arrive as messages of their own, right after this one.
        await start_step(scope, BroadcastStep.album, state.deadline, council=council.id,
                         target=state.target, album_draft=draft.id,
                         media_group=message.media_group_id)  # fmt: skip
    await scope.commit()
    assert draft.id is not None
    await message.reply_text(
        texts.preview_text(audience, state.deadline, _, has_file=has_file(message)),
        reply_markup=texts.preview_markup(draft.id, audience, _, state.deadline),
        do_quote=True,
    )


def kept_notice(message: Message) -> KeptNotice:
    """What the notice says, kept with the draft for when its original is deleted."""
    entities = message.entities if message.text else message.caption_entities
    stored = json.dumps([entity.to_dict() for entity in entities], ensure_ascii=False)
    if message.photo:
        kind, file_id = NoticeKind.photo, message.photo[-1].file_id
    elif message.document:
        kind, file_id = NoticeKind.document, message.document.file_id
    else:
        kind, file_id = NoticeKind.text, None
    return KeptNotice(kind, message.text or message.caption or "", stored, file_id)
