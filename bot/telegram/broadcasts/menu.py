"""/thongbao and its recipient menu: all, the Standing Committee, by unit, the office,
typed codes, and the councils under this one.

``/thongbao [recipients] [hạn 2d]`` goes straight to "send the notice" when it names the
recipients; otherwise it shows the menu (an admin without a council of their own first
chooses the council). The menu's buttons carry only a choice, a level, an index into the
unit list kept in the conversation, or a council id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from html import escape

from telegram import CallbackQuery, Message, Update

from bot.domain.broadcasts import RequestError, Target, TargetKind, parse_request
from bot.domain.buttons import (
    BroadcastReportButton,
    CouncilButton,
    LevelButton,
    LevelChoice,
    RecipientChoice,
    RecipientsButton,
    StopComposingButton,
    UnitButton,
)
from bot.domain.callbacks import encode
from bot.domain.keyboards import Button
from bot.i18n import N_
from bot.messages import broadcast_texts as texts
from bot.messages.keyboards import inline_markup
from bot.services.broadcasts.drafts import (
    CouncilRef,
    council_units,
    has_children,
    list_councils,
    resolve_council,
    target_of,
)
from bot.services.broadcasts.progress import recent_broadcasts
from bot.services.conversations import end_conversation
from bot.telegram.broadcasts.notice import (
    MAX_UNIT_BUTTONS,
    NOT_AVAILABLE,
    BroadcastConversation,
    BroadcastStep,
    ask_for_notice,
    conversation_council,
    home_council,
    render_error,
    secretary,
    start_step,
    stop_button,
)
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button, requires
from bot.telegram.texts import answer, edit

logger = logging.getLogger(__name__)

MENU_EXPIRED = N_("This menu has expired; send /thongbao again.")


@requires(Access.secretary)
async def broadcast_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """/thongbao [recipients] [hạn 2d]: the menu, or straight to "send the notice"."""
    if (message := update.effective_message) is None:
        return
    identity = secretary(scope)
    _ = scope._
    try:
        request = parse_request(" ".join(context.args or []))
    except RequestError as error:
        await message.reply_text(render_error(error, _))
        return
    council = await resolve_council(
        session=scope.session,
        reach=identity.office.reaches_filter,
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
        await _ask_council(message, scope, request.target, deadline)
    elif request.target is None:
        await show_menu(message, scope, council, deadline)
    else:
        await ask_for_notice(message, scope, council, request.target, deadline)


async def _ask_council(
    message: Message, scope: UpdateScope, target: Target | None, deadline: timedelta | None
) -> None:
    """An admin without a council of their own: which council (the recipients are kept)."""
    _ = scope._
    councils = await list_councils(session=scope.session)
    if not councils:
        await message.reply_text(_("No delegates have been imported yet."))
        return
    await start_step(scope, BroadcastStep.council, deadline, target=target)
    buttons = [(Button(c.name, encode(CouncilButton(c.id))),) for c in councils[:MAX_UNIT_BUTTONS]]
    await message.reply_text(
        _("Which council is the notice for? (You can also write /thongbao council:CODE …)"),
        reply_markup=inline_markup(buttons),
    )


def _to(choice: RecipientChoice) -> str:
    return encode(RecipientsButton(choice))


async def show_menu(
    message: Message, scope: UpdateScope, council: CouncilRef, deadline: timedelta | None
) -> None:
    """The recipient buttons, and the latest broadcasts of the council with their counts."""
    _ = scope._
    await start_step(scope, BroadcastStep.choose, deadline, council=council.id)
    lines = [
        _("Send a notice to which delegates of {council}?").format(council=escape(council.name)),
        _(
            "You can also type them: tất cả, thường trực, đơn vị:…, tổ:…, ban:…, văn phòng, "
            "or delegate codes; cấp dưới before any of them means the councils under this one."
        ),
    ]
    recent = await recent_broadcasts(session=scope.session, council_ids=frozenset({council.id}))
    zone = scope.settings.zone
    if recent:
        lines += ["", _("Recent notices:")]
        lines += [
            texts.recent_line(
                b, texts.target_label(target_of(b), _), progress, zone, _, scope.language
            )
            for b, progress in recent
        ]
    rows: list[tuple[Button, ...]] = [
        (
            Button(_("All delegates"), _to(RecipientChoice.all)),
            Button(_("Standing Committee"), _to(RecipientChoice.standing)),
        ),
        (
            Button(_("By unit"), _to(RecipientChoice.unit)),
            Button(_("Secretariat"), _to(RecipientChoice.secretaries)),
        ),
    ]
    if await has_children(session=scope.session, council_id=council.id):
        rows.append(
            (
                Button(_("Councils under it: delegates"), _to(RecipientChoice.children)),
                Button(_("Councils under it: Standing"), _to(RecipientChoice.children_standing)),
            )
        )
    rows.append((Button(_("Delegate codes"), _to(RecipientChoice.codes)), stop_button(_)))
    if recent:
        rows.append(
            tuple(
                Button(f"📊 #{b.id}", encode(BroadcastReportButton(b.id)))
                for b, _p in recent
                if b.id is not None
            )
        )
    await message.reply_text("\n".join(lines), reply_markup=inline_markup(rows))


async def _unit_menu(
    message: Message, scope: UpdateScope, council: CouncilRef, deadline: timedelta | None
) -> None:
    _ = scope._
    units = await council_units(session=scope.session, council_id=council.id)
    if not units:
        await message.reply_text(_("The delegates of this council have no unit recorded."))
        return
    shown = units[:MAX_UNIT_BUTTONS]
    await start_step(scope, BroadcastStep.choose, deadline, council=council.id, units=tuple(shown))
    buttons = [Button(unit[:60], encode(UnitButton(n))) for n, unit in enumerate(shown)]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    text = _("Which unit?")
    if len(units) > len(shown):
        text += "\n" + _("More units than buttons: type unit: and the unit name instead.")
    await message.reply_text(text, reply_markup=inline_markup(rows))


# --- the menu's buttons ------------------------------------------------------------------------


@dataclass(frozen=True)
class Menu:
    """A press on the recipient menu of the caller's open /thongbao."""

    query: CallbackQuery
    message: Message
    state: BroadcastConversation


async def _pressed(update: Update, scope: UpdateScope) -> Menu | None:
    """The menu the button belongs to; a press without an open /thongbao has expired."""
    query = update.callback_query
    assert query is not None
    state = scope.conversation
    if not isinstance(state, BroadcastConversation) or not isinstance(query.message, Message):
        await answer(query, scope._(MENU_EXPIRED), show_alert=True)
        return None
    return Menu(query, query.message, state)


async def _menu_council(update: Update, scope: UpdateScope) -> tuple[Menu, CouncilRef] | None:
    """The pressed menu and its council, which the caller must still manage."""
    if (menu := await _pressed(update, scope)) is None:
        return None
    await answer(menu.query)
    council = await conversation_council(scope, menu.state)
    if council is None:
        await menu.message.reply_text(scope._(NOT_AVAILABLE))
        return None
    return menu, council


@on_button(RecipientsButton, Access.secretary)
async def on_recipients(
    update: Update, context: BotContext, scope: UpdateScope, data: RecipientsButton
) -> None:
    """All, the secretariat, or the next menu: by level, by unit, typed codes."""
    if (found := await _menu_council(update, scope)) is None:
        return
    menu, council = found
    _ = scope._
    deadline = menu.state.deadline
    direct = {
        RecipientChoice.all: Target(TargetKind.all),
        RecipientChoice.secretaries: Target(TargetKind.secretaries),
        RecipientChoice.standing: Target(TargetKind.standing),
        RecipientChoice.children: Target(TargetKind.all, children=True),
        RecipientChoice.children_standing: Target(TargetKind.standing, children=True),
    }
    match data.choice:
        case choice if choice in direct:
            await ask_for_notice(menu.message, scope, council, direct[choice], deadline)
        case RecipientChoice.level:
            buttons = tuple(
                Button(_(texts.LEVELS[level.value]), encode(LevelButton(level)))
                for level in LevelChoice
            )
            await menu.message.reply_text(_("Which level?"), reply_markup=inline_markup([buttons]))
        case RecipientChoice.unit:
            await _unit_menu(menu.message, scope, council, deadline)
        case RecipientChoice.codes:
            await start_step(scope, BroadcastStep.codes, deadline, council=council.id)
            await menu.message.reply_text(
                _("Send the delegate codes, separated by spaces or ; (e.g. ML-001; ML-002).")
            )


@on_button(LevelButton, Access.secretary)
async def on_level(
    update: Update, context: BotContext, scope: UpdateScope, data: LevelButton
) -> None:
    if (found := await _menu_council(update, scope)) is None:
        return
    menu, council = found
    target = Target(TargetKind.level, data.level.value)
    await ask_for_notice(menu.message, scope, council, target, menu.state.deadline)


@on_button(UnitButton, Access.secretary)
async def on_unit(
    update: Update, context: BotContext, scope: UpdateScope, data: UnitButton
) -> None:
    state = scope.conversation
    if isinstance(state, BroadcastConversation) and data.index >= len(state.units):
        assert update.callback_query is not None  # a unit list this conversation never showed
        await answer(update.callback_query, scope._(MENU_EXPIRED), show_alert=True)
        return
    if (found := await _menu_council(update, scope)) is None:
        return
    menu, council = found
    target = Target(TargetKind.unit, menu.state.units[data.index])
    await ask_for_notice(menu.message, scope, council, target, menu.state.deadline)


@on_button(CouncilButton, Access.secretary)
async def on_council(
    update: Update, context: BotContext, scope: UpdateScope, data: CouncilButton
) -> None:
    """An admin chose the council: the recipients given with /thongbao, or the menu."""
    if (menu := await _pressed(update, scope)) is None:
        return
    await answer(menu.query)
    council = await resolve_council(
        session=scope.session,
        reach=secretary(scope).office.reaches_filter,
        code=None,
        home=data.council_id,
    )
    deadline = menu.state.deadline
    if council is None:
        await menu.message.reply_text(scope._(NOT_AVAILABLE))
    elif menu.state.target is not None:
        await ask_for_notice(menu.message, scope, council, menu.state.target, deadline)
    else:
        await show_menu(menu.message, scope, council, deadline)


@on_button(StopComposingButton, Access.secretary)
async def on_stop(
    update: Update, context: BotContext, scope: UpdateScope, data: StopComposingButton
) -> None:
    """``Hủy`` before the notice: the conversation ends, nothing was written."""
    query = update.callback_query
    assert query is not None
    await end_conversation(
        session=scope.session,
        telegram_user_id=secretary(scope).telegram_user_id,
        kind=BroadcastConversation,
    )
    await scope.commit()
    await answer(query)
    await edit(query, scope._("Stopped: nothing was sent."), None)
