"""/thongke (/stats): a quarter's statistics for the council secretariat.

A secretary of one council gets buttons for the last four quarters; an admin, or a
secretary of several councils, first chooses the council (or all of them). The answer is
the text summary, the chart as a photo and the XLSX workbook as a document.
``/thongke 2026-Q1`` and ``/thongke HDND-ML`` (either, both, any order) skip the buttons.

Callback data (at most 64 bytes): ``stats:c:<scope>`` after a council choice and
``stats:q:<scope>:<YYYY-Qn>`` for a quarter, ``<scope>`` being a council id or ``all``.
The scope is checked again on every press: the data comes back from the client.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.quarters import Quarter, QuarterError, recent_quarters
from bot.domain.stats import CouncilInfo, Statistics
from bot.domain.stats_text import quarter_title, summary_text
from bot.i18n import N_, Gettext
from bot.services.accounts import Identity
from bot.services.stats import list_councils, quarterly_statistics
from bot.services.stats_chart import chart_png
from bot.services.stats_output import file_stem
from bot.services.stats_xlsx import xlsx_bytes
from bot.telegram.context import BotContext, current_identity, translator
from bot.telegram.texts import answer, split_message

CALLBACK_PREFIX = "stats:"
CALLBACK_PATTERN = r"^stats:(c:(all|\d{1,18})|q:(all|\d{1,18}):\d{4}-Q[1-4])$"
ALL = "all"
QUARTERS_SHOWN = 4
MAX_COUNCIL_BUTTONS = 40
# Telegram refuses photos whose width + height exceed 10,000 px: a taller chart is a file.
MAX_PHOTO_UNITS = 150

NOT_FOR_DELEGATES = N_(
    "Quarterly statistics are prepared for the council secretariat. "
    "If you need figures, please ask the council office."
)
EXPIRED = N_("This button is no longer valid; send /thongke again.")


@dataclass(frozen=True)
class _Scope:
    key: str  # council id or "all"
    name: str | None  # the council's name; None for all councils


def quarter_callback(scope: str, quarter: Quarter) -> str:
    return f"{CALLBACK_PREFIX}q:{scope}:{quarter.label}"


def council_callback(scope: str) -> str:
    return f"{CALLBACK_PREFIX}c:{scope}"


def quarter_keyboard(scope: str, today_quarter: Quarter, _: Gettext) -> InlineKeyboardMarkup:
    """The last four quarters, the current one (so far) first, two per row."""
    buttons = []
    for quarter in recent_quarters(today_quarter.first_day, QUARTERS_SHOWN):
        label = quarter_title(quarter, _)
        if quarter == today_quarter:
            label = _("{quarter} (so far)").format(quarter=label)
        buttons.append(InlineKeyboardButton(label, callback_data=quarter_callback(scope, quarter)))
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def _councils(identity: Identity, context: BotContext) -> list[CouncilInfo]:
    async with context.deps.session_factory() as session:
        return await list_councils(session=session, council_ids=identity.managed_councils)


def _arguments(args: list[str]) -> tuple[Quarter | None, str | None]:
    """``/thongke 2026-Q1 HDND-ML``: a quarter and a council code, in any order."""
    quarter: Quarter | None = None
    code: str | None = None
    for arg in args:
        try:
            quarter = Quarter.parse(arg)
        except QuarterError:
            code = arg
    return quarter, code


async def stats_command(update: Update, context: BotContext) -> None:
    """Offers the councils or the quarters, or answers at once when both are given."""
    if (message := update.effective_message) is None:
        return
    identity = await current_identity(update, context)
    _ = translator(identity)
    if identity is None or not identity.is_secretary:
        await message.reply_text(_(NOT_FOR_DELEGATES))
        return
    quarter, code = _arguments(list(context.args or []))
    councils = await _councils(identity, context)
    if not councils:
        await message.reply_text(_("No councils yet: import the roster first."))
        return
    chosen = councils[0] if len(councils) == 1 else None
    if code is not None:
        chosen = next((c for c in councils if c.code.casefold() == code.casefold()), None)
        if chosen is None:
            await message.reply_text(
                _("No council with code {code} among the councils you manage.").format(
                    code=escape(code)
                )
            )
            return
    if chosen is None:
        await message.reply_text(
            _("Choose the council:"), reply_markup=_council_keyboard(councils, _)
        )
        return
    scope = _Scope(str(chosen.id), chosen.name)
    if quarter is not None:
        await _answer(update, context, identity, scope, quarter)
        return
    await message.reply_text(
        _("Statistics of {council}: choose the quarter.").format(council=escape(chosen.name)),
        reply_markup=quarter_keyboard(scope.key, _today_quarter(context), _),
    )


def _council_keyboard(councils: list[CouncilInfo], _: Gettext) -> InlineKeyboardMarkup:
    """All of them first, then one button per council (codes beyond the first 40 can be
    typed: ``/thongke CODE``)."""
    rows = [[InlineKeyboardButton(_("All councils"), callback_data=council_callback(ALL))]]
    buttons = [
        InlineKeyboardButton(c.name, callback_data=council_callback(str(c.id)))
        for c in councils[:MAX_COUNCIL_BUTTONS]
    ]
    rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
    return InlineKeyboardMarkup(rows)


def _today_quarter(context: BotContext) -> Quarter:
    return Quarter.containing(context.deps.clock().astimezone(context.deps.settings.zone).date())


async def stats_button(update: Update, context: BotContext) -> None:
    """A council or a quarter was chosen."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    identity = await current_identity(update, context)
    _ = translator(identity)
    if identity is None or not identity.is_secretary:
        await answer(query, _(NOT_FOR_DELEGATES), show_alert=True)
        return
    match = re.match(CALLBACK_PATTERN, query.data)
    scope = None
    if match is not None:
        scope = await _allowed_scope(identity, context, match.group(2) or match.group(3))
    if match is None or scope is None:
        await answer(query, _(EXPIRED), show_alert=True)
        return
    await answer(query)
    if match.group(2) is not None:
        title = scope.name or _("All councils")
        await query.edit_message_text(
            _("Statistics of {council}: choose the quarter.").format(council=escape(title)),
            reply_markup=quarter_keyboard(scope.key, _today_quarter(context), _),
        )
        return
    quarter = Quarter.parse(query.data.rsplit(":", 1)[1])
    await query.edit_message_text(
        _("Preparing the statistics for {quarter}…").format(quarter=quarter_title(quarter, _))
    )
    await _answer(update, context, identity, scope, quarter)


async def _allowed_scope(identity: Identity, context: BotContext, key: str) -> _Scope | None:
    """The scope named by a button, if this caller may see it (else ``None``)."""
    if key == ALL:
        return _Scope(ALL, None)
    council_id = int(key)
    if not identity.may_manage(council_id):
        return None
    async with context.deps.session_factory() as session:
        councils = await list_councils(session=session, council_ids=frozenset({council_id}))
    return _Scope(key, councils[0].name) if councils else None


async def _answer(
    update: Update, context: BotContext, identity: Identity, scope: _Scope, quarter: Quarter
) -> None:
    """The summary, the chart and the workbook of ``quarter`` for ``scope``."""
    if (chat := update.effective_chat) is None:
        return
    _ = translator(identity)
    council_ids = identity.managed_councils if scope.key == ALL else frozenset({int(scope.key)})
    async with context.deps.session_factory() as session:
        stats = await quarterly_statistics(
            session=session,
            quarter=quarter,
            zone=context.deps.settings.zone,
            now=context.deps.clock(),
            council_ids=council_ids,
            detailed=True,
        )
    for chunk in split_message(escape(summary_text(stats, identity.language))):
        await context.bot.send_message(chat_id=chat.id, text=chunk)
    if len(stats.lines) <= 1:  # only "TOTAL,all": nothing was assigned in the quarter
        return
    await _send_files(context, chat.id, stats, quarter, _)


async def _send_files(
    context: BotContext, chat_id: int, stats: Statistics, quarter: Quarter, _: Gettext
) -> None:
    title = quarter_title(quarter, _)
    stem = file_stem(stats)
    chart = await asyncio.to_thread(chart_png, stats)
    caption = _("Held, not held and not reported per unit ({quarter}).").format(quarter=title)
    if len(stats.units) <= MAX_PHOTO_UNITS:
        await context.bot.send_photo(chat_id=chat_id, photo=chart, caption=caption)
    else:
        await context.bot.send_document(
            chat_id=chat_id, document=chart, filename=f"{stem}.png", caption=caption
        )
    workbook = await asyncio.to_thread(xlsx_bytes, stats)
    await context.bot.send_document(
        chat_id=chat_id,
        document=workbook,
        filename=f"{stem}.xlsx",
        caption=_(
            "{quarter}: by unit and kind, by delegate, missing reports, and the chart."
        ).format(quarter=title),
    )
