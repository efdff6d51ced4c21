"""``delegates import`` (the roster) and ``delegates invite`` (one-time invite links)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.availability import register_away
from bot.cli.common import (
    CommandScope,
    Context,
    check_writable,
    with_database,
    write_bytes,
    write_csv,
)
from bot.cli.importing import (
    ImportRequest,
    add_import_command,
    ignored_columns_note,
    run_import,
)
from bot.cli.parsing import Commands
from bot.config import Settings
from bot.db import utcnow
from bot.domain.csv_text import csv_text
from bot.domain.dates import format_date
from bot.errors import EXIT_OK, BadInputError
from bot.i18n import N_, Gettext

if TYPE_CHECKING:
    from bot.services.delegates.invites import IssuedInvite
    from bot.services.delegates.roster import RosterImportResult

INVITE_COLUMNS = ("code", "full_name", "link")


# --- import ---------------------------------------------------------------------------------


async def _import_roster(request: ImportRequest) -> RosterImportResult:
    from bot.services.delegates.roster import RosterMenus, import_roster

    return await import_roster(
        session=request.session,
        path=request.path,
        now=request.now,
        dry_run=request.dry_run,
        menus=RosterMenus(
            buttons=request.settings.WEBAPP_URL is not None,
            admin_ids=request.settings.ADMIN_TELEGRAM_IDS,
        ),
    )


def _roster_summary(result: RosterImportResult, _: Gettext) -> str:
    return _(
        "Delegates: {created} created, {updated} updated, {unchanged} unchanged; "
        "councils: {councils} created, {renamed} updated."
    ).format(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        councils=result.councils_created,
        renamed=result.councils_updated,
    )


def cmd_import(context: Context, args: argparse.Namespace) -> int:
    return run_import(
        context,
        args.file,
        dry_run=args.dry_run,
        apply=_import_roster,
        summary=_roster_summary,
        notes=ignored_columns_note,
    )


# --- invite ---------------------------------------------------------------------------------


async def _bot_username(settings: Settings) -> str:
    if settings.BOT_USERNAME:
        return settings.BOT_USERNAME.lstrip("@")
    if settings.BOT_TOKEN is None:
        raise BadInputError(
            N_("Set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) so that links can be built.")
        )
    from telegram import Bot
    from telegram.error import TelegramError

    root = settings.TELEGRAM_API_URL
    try:
        async with Bot(
            settings.token(), base_url=f"{root}/bot", base_file_url=f"{root}/file/bot"
        ) as bot:
            return bot.username
    except TelegramError as error:
        raise BadInputError(
            N_("Could not ask Telegram for the bot's username ({error}); set BOT_USERNAME."),
            error=type(error).__name__,
        ) from None


def _invite_sheet(invites: list[IssuedInvite], username: str) -> str:
    from bot.services.delegates.invites import invite_link

    rows = [[i.code, i.full_name, invite_link(username, i.token)] for i in invites]
    return csv_text([list(INVITE_COLUMNS), *rows], line_end="\n")


def _invite_message(_: Gettext, zone: tzinfo) -> Callable[[IssuedInvite, str], str]:
    def message(invite: IssuedInvite, link: str) -> str:
        expires = invite.expires_at
        until = format_date(expires.astimezone(zone)) if expires is not None else ""
        text = _(
            "Dear {name}, delegate of {council}: please open this link to receive your "
            "work schedule and reminders through Telegram (it works once, until {until}): {link}"
        )
        return text.format(
            name=invite.full_name, council=invite.council_name, until=until, link=link
        )

    return message


def _invite_workbook(
    invites: list[IssuedInvite], username: str, context: Context, council: str
) -> bytes:
    from bot.services.delegates.invite_sheet import invite_workbook

    _ = context.gettext
    title = _("Telegram invite links for delegates")
    if council:
        title += f" — {council}"
    message = _invite_message(_, context.settings.zone)
    return invite_workbook(invites, username, title=title, message=message)


def cmd_invite(context: Context, args: argparse.Namespace) -> int:
    from bot.services.delegates.invites import UnknownCouncilError, issue_invites

    _ = context.gettext
    out: Path | None = args.out
    if out is None and args.format == "xlsx":
        out = Path(f"moi-lien-ket{'-' + args.council if args.council else ''}.xlsx")
    if out is not None:
        check_writable(out)
    username = asyncio.run(_bot_username(context.settings))

    def deliver(invites: list[IssuedInvite]) -> None:
        if args.format == "xlsx":
            assert out is not None
            data = _invite_workbook(invites, username, context, args.council or "")
            write_bytes(data, out, private=True)  # each link links an account: owner-only
            print(_("Invite sheet written to {path}").format(path=out), file=sys.stderr)
        else:
            write_csv(_invite_sheet(invites, username), out, private=True)

    async def work(scope: CommandScope) -> int:
        try:
            invites = await issue_invites(
                session=scope.session,
                now=utcnow(),
                council_code=args.council,
                deliver=deliver,
            )
        except UnknownCouncilError:
            raise BadInputError(N_("Unknown council code: {code}"), code=args.council) from None
        print(
            _("{count} invite link(s) issued, valid for 30 days.").format(count=len(invites)),
            file=sys.stderr,
        )
        return EXIT_OK

    return with_database(context.settings, work)


# --- registration ---------------------------------------------------------------------------


def register(commands: Commands) -> None:
    _ = commands.gettext
    delegates = commands.group("delegates", help=_("the roster of delegates"))
    add_import_command(
        delegates,
        cmd_import,
        help=_(
            "import a roster (CSV or XLSX): delegates are added or updated by code; all or nothing"
        ),
        description=_(
            "Columns: code, full_name, council, level, unit, constituency, phone, role; "
            "optional council_name, parent_council, title, group, committee "
            "(English or Vietnamese headers). Level: province or commune; role: delegate or "
            "secretary (the office's staff). Any bad row is reported as "
            "'row N, column X: problem' and nothing is written (exit 1)."
        ),
        file_help=_("roster .csv or .xlsx"),
    )
    register_away(delegates)
    invite = delegates.command(
        "invite",
        cmd_invite,
        help=_("one-time invite links for delegates not linked yet (CSV code,full_name,link)"),
        description=_(
            "Issues a fresh single-use link, valid 30 days, for every active delegate who has "
            "not linked a Telegram account; earlier unused links stop working."
        ),
    )
    invite.add_argument("--council", metavar=_("CODE"), help=_("only this council"))
    invite.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help=_(
            "csv (default) or xlsx: a printable sheet with the phone, a message to paste "
            "into Zalo or SMS and a QR code of each link"
        ),
    )
    invite.add_argument(
        "--out", type=Path, metavar=_("FILE"), help=_("write to this file instead of the screen")
    )
