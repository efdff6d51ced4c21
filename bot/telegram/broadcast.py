"""/thongbao: choose recipients, send the notice, see the preview, confirm or cancel.

The steps before the notice arrives live in a conversation row (``broadcast``): the
recipient menu, a typed list of codes, then "send the notice now". The notice turns
into a draft broadcast; from there on the buttons carry the broadcast's id. On
``Xác nhận`` the preview message becomes the progress message that the scheduler's
progress job keeps editing (``jobs/broadcast_progress.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from html import escape
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.domain.broadcasts import (
    RequestError,
    Target,
    TargetKind,
    parse_request,
    parse_target,
)
from bot.domain.roster import Level, Role
from bot.i18n import N_, Gettext
from bot.messages import broadcast_texts as texts
from bot.services.accounts import Identity
from bot.services.broadcast_reports import recent_broadcasts
from bot.services.broadcasts import (
    CouncilRef,
    council_units,
    create_draft,
    list_councils,
    resolve_audience,
    resolve_council,
    target_of,
)
from bot.services.conversations import (
    OpenConversation,
    end_conversation,
    open_conversation,
    start_conversation,
)
from bot.services.outbox import Button
from bot.telegram.context import BotContext, current_identity, translator
from bot.telegram.profile import SECRETARIES_ONLY
from bot.telegram.texts import answer

logger = logging.getLogger(__name__)

CONVERSATION = "broadcast"
TTL = timedelta(hours=2)
WAKE_KEY = "wake_dispatcher"
"""``bot_data`` key of a callable that wakes this process's dispatcher (set by the runner)."""
CALLBACK_PATTERN = r"^bc:(to|lv|un|cc|stop)(:|$)"
MAX_UNIT_BUTTONS = 40
NOT_AVAILABLE = N_("This notice is not available any more.")


def render_error(error: RequestError, _: Gettext) -> str:
    params = {key: escape(value) for key, value in error.params.items()}
    return _(error.message).format(**params)


def home_council(identity: Identity) -> int | None:
    """The council a secretary (or an admin with a delegate record) works for."""
    for delegate in identity.delegates:
        if delegate.role == Role.secretary.value:
            return delegate.council_id
    if identity.is_admin and identity.delegates:
        return identity.delegates[0].council_id
    return None


async def require_secretary(update: Update, context: BotContext) -> tuple[Identity, Gettext] | None:
    """The caller if they belong to the secretariat; otherwise they are told and ``None``."""
    identity = await current_identity(update, context)
    _ = translator(identity)
    if identity is not None and identity.is_secretary:
        return identity, _
    if (query := update.callback_query) is not None:
        await answer(query, _(SECRETARIES_ONLY), show_alert=True)
    elif (message := update.effective_message) is not None:
        await message.reply_text(_(SECRETARIES_ONLY))
    return None


# --- /thongbao -------------------------------------------------------------------------------


async def broadcast_command(update: Update, context: BotContext) -> None:
    """/thongbao [recipients] [hạn 2d]: the menu, or straight to "send the notice"."""
    if (message := update.effective_message) is None:
        return
    if (found := await require_secretary(update, context)) is None:
        return
    identity, _ = found
    try:
        request = parse_request(" ".join(context.args or []))
    except RequestError as error:
        await message.reply_text(render_error(error, _))
        return
    council = await resolve_council(
        session_factory=context.deps.session_factory,
        managed=identity.managed_councils,
        code=request.council_code,
        home=home_council(identity),
    )
    deadline = request.deadline
    if council is None and request.council_code is not None:
        await message.reply_text(
            _("Unknown council code: {code}").format(code=escape(request.council_code))
        )
        return
    if council is None:
        await _ask_council(message, context, identity, request.target, deadline, _)
    elif request.target is None:
        await _show_menu(message, context, identity, council, deadline, _)
    else:
        await ask_for_notice(message, context, identity, council, request.target, deadline, _)


async def _start(
    context: BotContext, identity: Identity, step: str, deadline: timedelta | None, **state: Any
) -> None:
    await start_conversation(
        session_factory=context.deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        kind=CONVERSATION,
        state={
            "step": step,
            "deadline": deadline.total_seconds() if deadline else None,
            **state,
        },
        now=context.deps.clock(),
        ttl=TTL,
    )


async def _ask_council(
    message: Message,
    context: BotContext,
    identity: Identity,
    target: Target | None,
    deadline: timedelta | None,
    _: Gettext,
) -> None:
    """An admin without a council of their own: which council (the recipients are kept)."""
    councils = await list_councils(session_factory=context.deps.session_factory)
    if not councils:
        await message.reply_text(_("No delegates have been imported yet."))
        return
    chosen = {"target": target.describe()} if target is not None else {}
    await _start(context, identity, "council", deadline, **chosen)
    buttons = [(Button(c.name, f"{texts.COUNCIL}{c.id}"),) for c in councils[:MAX_UNIT_BUTTONS]]
    await message.reply_text(
        _("Which council is the notice for? (You can also write /thongbao council:CODE …)"),
        reply_markup=texts.markup(*buttons),
    )


async def _show_menu(
    message: Message,
    context: BotContext,
    identity: Identity,
    council: CouncilRef,
    deadline: timedelta | None,
    _: Gettext,
) -> None:
    """The recipient buttons, and the latest broadcasts of the council with their counts."""
    await _start(context, identity, "choose", deadline, council=council.id)
    lines = [
        _("Send a notice to which delegates of {council}?").format(council=escape(council.name)),
        _("You can also type them: all, level:commune, unit:…, secretaries, or codes."),
    ]
    recent = await recent_broadcasts(
        session_factory=context.deps.session_factory, council_ids=frozenset({council.id})
    )
    zone = context.deps.settings.zone
    if recent:
        lines += ["", _("Recent notices:")]
        lines += [
            texts.recent_line(b, texts.target_label(target_of(b), _), progress, zone, _)
            for b, progress in recent
        ]
    rows: list[tuple[Button, ...]] = [
        (Button(_("All delegates"), f"{texts.TO}all"), Button(_("By level"), f"{texts.TO}level")),
        (Button(_("By unit"), f"{texts.TO}unit"), Button(_("Secretariat"), f"{texts.TO}sec")),
        (Button(_("Delegate codes"), f"{texts.TO}codes"), Button(_("Cancel"), texts.STOP)),
    ]
    if recent:
        rows.append(tuple(Button(f"📊 #{b.id}", f"{texts.REPORT}{b.id}") for b, _p in recent))
    await message.reply_text("\n".join(lines), reply_markup=texts.markup(*rows))


async def ask_for_notice(
    message: Message,
    context: BotContext,
    identity: Identity,
    council: CouncilRef,
    target: Target,
    deadline: timedelta | None,
    _: Gettext,
) -> None:
    """Checks the recipients, then asks for the notice itself."""
    try:
        audience = await resolve_audience(
            session_factory=context.deps.session_factory, council_id=council.id, target=target
        )
    except RequestError as error:
        await message.reply_text(render_error(error, _))
        return
    await _start(
        context, identity, "notice", deadline, council=council.id, target=target.describe()
    )
    if target.kind is TargetKind.correction:
        intro = _(
            "Send the correction now. It goes to the {count} recipient(s) of notice #{number} "
            "as a reply to their copy, and asks them to acknowledge again."
        ).format(count=audience.total, number=target.corrects_id)
    else:
        intro = _("Recipients: {audience} of {council} ({count} delegate(s)).").format(
            audience=texts.target_label(target, _),
            council=escape(council.name),
            count=audience.total,
        )
        intro += "\n" + _(
            "Now send the notice: a text (formatting is kept), a photo, or a document such "
            "as the invitation PDF with its caption."
        )
    intro += "\n" + _(
        "Keep your message in this chat: each delegate receives a copy of it, and the "
        "copies are made from it."
    )
    await message.reply_text(intro, reply_markup=texts.markup((Button(_("Cancel"), texts.STOP),)))


# --- the conversation: typed recipients, then the notice ---------------------------------------


async def on_message(update: Update, context: BotContext, conversation: OpenConversation) -> bool:
    """A message inside /thongbao: recipients typed at the menu, or the notice itself.

    At the menu only text is taken (a file sent then is, say, a schedule upload).
    """
    if (message := update.effective_message) is None:
        return False
    state = conversation.state
    if state.get("step") != "notice" and not message.text:
        return False
    if (found := await require_secretary(update, context)) is None:
        return True
    identity, _ = found
    deadline = timedelta(seconds=state["deadline"]) if state.get("deadline") else None
    if state.get("step") == "notice":
        await _receive_notice(message, context, identity, state, deadline, _)
        return True
    council = await _council_of(context, identity, state)
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
    await ask_for_notice(message, context, identity, council, target, deadline, _)
    return True


async def _council_of(
    context: BotContext, identity: Identity, state: dict[str, Any]
) -> CouncilRef | None:
    council_id = state.get("council")
    if not isinstance(council_id, int) or not identity.may_manage(council_id):
        return None
    return await resolve_council(
        session_factory=context.deps.session_factory,
        managed=identity.managed_councils,
        code=None,
        home=council_id,
    )


async def _receive_notice(
    message: Message,
    context: BotContext,
    identity: Identity,
    state: dict[str, Any],
    deadline: timedelta | None,
    _: Gettext,
) -> None:
    if not (message.text or message.photo or message.document):
        await message.reply_text(
            _("Please send the notice as a text, a photo, or a document with a caption.")
        )
        return
    council = await _council_of(context, identity, state)
    deps = context.deps
    await end_conversation(
        session_factory=deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        kind=CONVERSATION,
    )
    if council is None:
        await message.reply_text(_(NOT_AVAILABLE))
        return
    target = parse_target(str(state["target"]))
    try:
        audience = await resolve_audience(
            session_factory=deps.session_factory, council_id=council.id, target=target
        )
    except RequestError as error:
        await message.reply_text(render_error(error, _))
        return
    draft = await create_draft(
        session_factory=deps.session_factory,
        council_id=council.id,
        created_by=identity.telegram_user_id,
        target=target,
        source_chat_id=message.chat_id,
        source_message_id=message.message_id,
        deadline=deadline,
        now=deps.clock(),
    )
    assert draft.id is not None
    await message.reply_text(
        texts.preview_text(audience, deadline, _),
        reply_markup=texts.preview_markup(draft.id, audience, _),
        do_quote=True,
    )


# --- buttons ---------------------------------------------------------------------------------


ButtonHandler = Callable[[Update, BotContext, Identity, str, list[str], Gettext], Awaitable[None]]
"""A button's handler: the secretary's identity, ``action`` and the rest of ``bc:action:…``."""


async def dispatch_button(update: Update, context: BotContext, handler: ButtonHandler) -> None:
    """Hands a ``bc:`` button pressed by a secretary to ``handler``; others get refused."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    if (found := await require_secretary(update, context)) is None:
        return
    identity, _ = found
    _prefix, action, *rest = query.data.split(":")
    await handler(update, context, identity, action, rest, _)


async def on_callback(update: Update, context: BotContext) -> None:
    """The recipient menu's buttons (``bc:to``, ``bc:lv``, ``bc:un``, ``bc:cc``, ``bc:stop``)."""
    await dispatch_button(update, context, _menu_button)


async def _menu_button(
    update: Update,
    context: BotContext,
    identity: Identity,
    action: str,
    rest: list[str],
    _: Gettext,
) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message
    deps = context.deps
    conversation = await open_conversation(
        session_factory=deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        now=deps.clock(),
    )
    if action == "stop":
        await end_conversation(
            session_factory=deps.session_factory,
            telegram_user_id=identity.telegram_user_id,
            kind=CONVERSATION,
        )
        await answer(query)
        await edit(query, _("Stopped: nothing was sent."), None)
        return
    if (
        conversation is None
        or conversation.kind != CONVERSATION
        or not isinstance(message, Message)
    ):
        await answer(query, _("This menu has expired; send /thongbao again."), show_alert=True)
        return
    state = conversation.state
    deadline = timedelta(seconds=state["deadline"]) if state.get("deadline") else None
    await answer(query)
    if action == "cc":
        council = await resolve_council(
            session_factory=deps.session_factory,
            managed=identity.managed_councils,
            code=None,
            home=int(rest[0]) if rest and rest[0].isdigit() else None,
        )
        if council is None:
            await message.reply_text(_(NOT_AVAILABLE))
        elif state.get("target"):
            target = parse_target(str(state["target"]))
            await ask_for_notice(message, context, identity, council, target, deadline, _)
        else:
            await _show_menu(message, context, identity, council, deadline, _)
        return
    council = await _council_of(context, identity, state)
    if council is None:
        await message.reply_text(_(NOT_AVAILABLE))
        return
    await _menu_choice(message, context, identity, council, state, action, rest, _)


async def _menu_choice(
    message: Message,
    context: BotContext,
    identity: Identity,
    council: CouncilRef,
    state: dict[str, Any],
    action: str,
    rest: list[str],
    _: Gettext,
) -> None:
    deadline = timedelta(seconds=state["deadline"]) if state.get("deadline") else None
    choice = rest[0] if rest else ""

    async def ask(target: Target) -> None:
        await ask_for_notice(message, context, identity, council, target, deadline, _)

    if action == "to" and choice == "all":
        await ask(Target(TargetKind.all))
    elif action == "to" and choice == "sec":
        await ask(Target(TargetKind.secretaries))
    elif action == "to" and choice == "level":
        buttons = [
            Button(_(texts.LEVELS[level.value]), f"{texts.LEVEL}{level.value}") for level in Level
        ]
        await message.reply_text(_("Which level?"), reply_markup=texts.markup(tuple(buttons)))
    elif action == "lv" and choice in {level.value for level in Level}:
        await ask(Target(TargetKind.level, choice))
    elif action == "to" and choice == "unit":
        await _unit_menu(message, context, identity, council, deadline, _)
    elif action == "un" and choice.isdigit() and int(choice) < len(state.get("units", [])):
        await ask(Target(TargetKind.unit, str(state["units"][int(choice)])))
    elif action == "to" and choice == "codes":
        await _start(context, identity, "codes", deadline, council=council.id)
        await message.reply_text(
            _("Send the delegate codes, separated by spaces or ; (e.g. ML-001; ML-002).")
        )


async def _unit_menu(
    message: Message,
    context: BotContext,
    identity: Identity,
    council: CouncilRef,
    deadline: timedelta | None,
    _: Gettext,
) -> None:
    units = await council_units(session_factory=context.deps.session_factory, council_id=council.id)
    if not units:
        await message.reply_text(_("The delegates of this council have no unit recorded."))
        return
    shown = units[:MAX_UNIT_BUTTONS]
    await _start(context, identity, "choose", deadline, council=council.id, units=shown)
    buttons = [Button(unit[:60], f"{texts.UNIT}{n}") for n, unit in enumerate(shown)]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    text = _("Which unit?")
    if len(units) > len(shown):
        text += "\n" + _("More units than buttons: type unit: and the unit name instead.")
    await message.reply_text(text, reply_markup=texts.markup(*rows))


async def edit(query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None) -> None:
    """Edits the button's message; an edit that would change nothing is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
