"""/toi for a delegate's own record; /lienket for the secretariat's linking overview."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.domain.office import holds_office
from bot.i18n import N_, Gettext
from bot.models import Delegate
from bot.services.delegates.accounts import CouncilLinkStatus, council_names, link_status
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import NOT_LINKED, Access, requires
from bot.telegram.texts import split_message

_LEVELS = {
    "province": N_("province"),
    "district": N_("district"),
    "commune": N_("commune"),
}


def _record_text(delegate: Delegate, council: str, _: Gettext) -> str:
    """One delegate record: whose, which council, where; a role only when it is not plain."""
    lines = [
        _("<b>{name}</b> ({code})").format(
            name=escape(delegate.full_name), code=escape(delegate.code)
        ),
        "🏛 " + escape(council) + f" ({_(_LEVELS.get(delegate.level, delegate.level))})",
    ]
    if delegate.unit:
        lines.append(_("Unit: {unit}").format(unit=escape(delegate.unit)))
    if delegate.constituency:
        lines.append(
            _("Constituency: {constituency}").format(constituency=escape(delegate.constituency))
        )
    for label, value in (
        (N_("Title: {value}"), delegate.title),
        (N_("Delegates' group: {value}"), delegate.group_name),
        (N_("Committee: {value}"), delegate.committee),
    ):
        if value:
            lines.append(_(label).format(value=escape(value)))
    if holds_office(delegate.role):
        lines.append(_("Role: council secretariat"))
    return "\n".join(lines)


@requires(Access.anyone)
async def profile(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Shows the caller's own delegate record, and nobody else's."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    if identity is None or identity.delegate is None:
        if identity is not None and identity.is_admin:
            await message.reply_text(
                _("You are an administrator of every council; no delegate record is linked.")
            )
            return
        await message.reply_text(_(NOT_LINKED))
        return
    councils = await council_names(
        session=scope.session, ids={d.council_id for d in identity.delegates}
    )
    await message.reply_text(
        "\n\n".join(_record_text(d, councils.get(d.council_id, ""), _) for d in identity.delegates)
    )


def _status_text(status: CouncilLinkStatus, _: Gettext) -> str:
    text = _(
        "<b>{council}</b>: {linked}/{total} delegates linked, {unreachable} unreachable."
    ).format(
        council=escape(status.council_name),
        linked=status.linked,
        total=status.delegates,
        unreachable=status.unreachable,
    )
    if status.unlinked:
        names = ", ".join(escape(who) for who in status.unlinked)
        text += "\n" + _("Not linked yet: {codes}").format(codes=names)
    return text


@requires(Access.secretary)
async def links(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Secretariat view: who has linked their account, per council the caller manages."""
    if (message := update.effective_message) is None:
        return
    assert scope.identity is not None
    _ = scope._
    statuses = await link_status(session=scope.session, identity=scope.identity)
    if not statuses:
        await message.reply_text(_("No delegates have been imported yet."))
        return
    for chunk in split_message("\n\n".join(_status_text(s, _) for s in statuses)):
        await message.reply_text(chunk)
