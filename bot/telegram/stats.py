"""/thongke (/stats): a quarter's statistics for the council secretariat.

A secretary of one council gets buttons for the last four quarters; an admin, or a
secretary of several councils or of a parent council (whose office adds its children's
figures into its own report: ``bot.domain.office``), first chooses the council (or all
of them). The answer is
the text summary, the chart as a photo and the XLSX workbook as a document.
``/thongke 2026-Q1`` and ``/thongke HDND-ML`` (either, both, any order) skip the buttons.

Buttons carry :class:`StatsCouncilButton` and :class:`StatsQuarterButton` (a council id,
or none for all councils). The council is checked again on every press: the data comes
back from the client.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot.domain.buttons import StatsCouncilButton, StatsQuarterButton
from bot.domain.callbacks import encode
from bot.domain.keyboards import Button, in_rows
from bot.domain.quarters import Quarter, QuarterError, recent_quarters
from bot.domain.stats import CouncilInfo, Statistics
from bot.domain.stats_text import quarter_title, summary_text
from bot.i18n import N_, Gettext
from bot.messages.keyboards import inline_markup
from bot.services.delegates.accounts import Identity
from bot.services.stats.chart import chart_png
from bot.services.stats.figures import list_councils, quarterly_statistics
from bot.services.stats.output import file_stem
from bot.services.stats.xlsx import xlsx_bytes
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button, requires
from bot.telegram.texts import answer, edit, split_message

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
    council_id: int | None  # None: every council the caller reaches
    name: str | None  # the council's name; None for all councils


def quarter_callback(council_id: int | None, quarter: Quarter) -> str:
    return encode(StatsQuarterButton(council_id, quarter.year, quarter.number))


def council_callback(council_id: int | None) -> str:
    return encode(StatsCouncilButton(council_id))


def quarter_keyboard(
    council_id: int | None, today_quarter: Quarter, _: Gettext
) -> InlineKeyboardMarkup:
    """The last four quarters, the current one (so far) first, two per row."""
    buttons = []
    for quarter in recent_quarters(today_quarter.first_day, QUARTERS_SHOWN):
        label = quarter_title(quarter, _)
        if quarter == today_quarter:
            label = _("{quarter} (so far)").format(quarter=label)
        buttons.append(Button(label, quarter_callback(council_id, quarter)))
    return inline_markup(in_rows(buttons, 2))


def _arguments(args: list[str]) -> tuple[Quarter | None, str | None]:
    """``/thongke IV/2026 HDND-ML`` (or ``2026-Q4``): a quarter and a council code, in any order."""
    quarter: Quarter | None = None
    code: str | None = None
    for arg in args:
        if arg.casefold() in ("quý", "quy"):
            continue  # "/thongke quý IV/2026": the word before the quarter
        try:
            quarter = Quarter.parse(arg)
        except QuarterError:
            code = arg
    return quarter, code


@requires(Access.secretary, refusal=NOT_FOR_DELEGATES)
async def stats_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Offers the councils or the quarters, or answers at once when both are given."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    quarter, code = _arguments(list(context.args or []))
    councils = await list_councils(
        session=scope.session, council_ids=identity.office.reaches_filter
    )
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
    chosen_scope = _Scope(chosen.id, chosen.name)
    if quarter is not None:
        await _answer(update, context, scope, chosen_scope, quarter)
        return
    await message.reply_text(
        _("Statistics of {council}: choose the quarter.").format(council=escape(chosen.name)),
        reply_markup=quarter_keyboard(chosen.id, _today_quarter(scope), _),
    )


def _council_keyboard(councils: list[CouncilInfo], _: Gettext) -> InlineKeyboardMarkup:
    """All of them first, then one button per council (codes beyond the first 40 can be
    typed: ``/thongke CODE``)."""
    every = Button(_("All councils"), council_callback(None))
    buttons = [Button(c.name, council_callback(c.id)) for c in councils[:MAX_COUNCIL_BUTTONS]]
    return inline_markup([(every,), *in_rows(buttons, 2)])


def _today_quarter(scope: UpdateScope) -> Quarter:
    return Quarter.containing(scope.now.astimezone(scope.settings.zone).date())


@on_button(StatsCouncilButton, Access.secretary, refusal=NOT_FOR_DELEGATES)
async def council_chosen(
    update: Update, context: BotContext, scope: UpdateScope, data: StatsCouncilButton
) -> None:
    """A council (or all of them) was chosen: now the quarter."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    chosen = await _allowed_scope(scope.identity, scope.session, data.council_id)
    if chosen is None:
        await answer(query, _(EXPIRED), show_alert=True)
        return
    await answer(query)
    title = chosen.name or _("All councils")
    await edit(
        query,
        _("Statistics of {council}: choose the quarter.").format(council=escape(title)),
        reply_markup=quarter_keyboard(chosen.council_id, _today_quarter(scope), _),
    )


@on_button(StatsQuarterButton, Access.secretary, refusal=NOT_FOR_DELEGATES)
async def quarter_chosen(
    update: Update, context: BotContext, scope: UpdateScope, data: StatsQuarterButton
) -> None:
    """A quarter was chosen: the summary, the chart and the workbook."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    chosen = await _allowed_scope(scope.identity, scope.session, data.council_id)
    if chosen is None or not 1 <= data.quarter <= 4 or not 2000 <= data.year <= 2100:
        await answer(query, _(EXPIRED), show_alert=True)
        return
    await answer(query)
    quarter = Quarter(data.year, data.quarter)
    await edit(
        query,
        _("Preparing the statistics for {quarter}…").format(quarter=quarter_title(quarter, _)),
    )
    await _answer(update, context, scope, chosen, quarter)


async def _allowed_scope(
    identity: Identity, session: AsyncSession, council_id: int | None
) -> _Scope | None:
    """The council named by a button, if this caller may see it (else ``None``)."""
    if council_id is None:
        return _Scope(None, None)
    if not identity.office.may_reach(council_id):
        return None
    councils = await list_councils(session=session, council_ids=frozenset({council_id}))
    return _Scope(council_id, councils[0].name) if councils else None


async def _answer(
    update: Update,
    context: BotContext,
    scope: UpdateScope,
    chosen: _Scope,
    quarter: Quarter,
) -> None:
    """The summary, the chart and the workbook of ``quarter`` for the ``chosen`` councils."""
    if (chat := update.effective_chat) is None:
        return
    identity, _ = scope.identity, scope._
    assert identity is not None
    council_ids = (
        identity.office.reaches_filter
        if chosen.council_id is None
        else frozenset({chosen.council_id})
    )
    stats = await quarterly_statistics(
        session=scope.session,
        quarter=quarter,
        zone=scope.settings.zone,
        now=scope.now,
        council_ids=council_ids,
        detailed=True,
    )
    # The figures are read: no transaction stays open while the chart and workbook go out.
    await scope.commit()
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
