"""Every bot command in one table: handlers, /help and setMyCommands all read it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.i18n import N_
from bot.services.delegates.accounts import Identity


class Audience(IntEnum):
    """Who may use a command; each level includes the ones below it."""

    anyone = 0
    delegate = 1
    secretary = 2


@dataclass(frozen=True)
class Command:
    name: str  # Vietnamese name, shown first
    alias: str | None  # English alias
    audience: Audience
    description: str  # message id
    usage: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.alias) if self.alias else (self.name,)


START = Command("start", None, Audience.anyone, N_("link your account with an invite link"))
HELP = Command("trogiup", "help", Audience.anyone, N_("commands you can use"))
LANGUAGE = Command("ngonngu", "lang", Audience.anyone, N_("language: vi or en"), "vi|en")
AGENDA = Command("lich", "agenda", Audience.delegate, N_("your assignments in the next 30 days"))
PROFILE = Command("toi", "me", Audience.delegate, N_("your delegate record"))
LINKS = Command(
    "lienket", "links", Audience.secretary, N_("which delegates have linked their Telegram")
)

REPORT = Command("baocao", "report", Audience.delegate, N_("report on a duty that has taken place"))
MISSING = Command(
    "chuabaocao", "missing", Audience.secretary, N_("duties still without a report, by unit")
)
STATS = Command(
    "thongke",
    "stats",
    Audience.secretary,
    N_("quarterly statistics: text, chart and spreadsheet"),
    "[2026-Q4] [HĐND]",
)

BROADCAST = Command(
    "thongbao",
    "broadcast",
    Audience.secretary,
    N_("send a notice to delegates and see who has received it"),
    "[tất cả|thường trực|đơn vị:…|tổ:…|ban:…|văn phòng|cấp dưới …|mã] [hạn 2 ngày]",
)

AWAY = Command(
    "vang",
    "away",
    Audience.delegate,
    N_("an absence: your duties in it are handed on to a stand-in"),
    "DD/MM/YYYY [DD/MM/YYYY] [lý do]",
)
ATTENDANCE = Command(
    "diemdanh", "attendance", Audience.secretary, N_("answers to the next session's reminder")
)

PETITIONS = Command(
    "donthu",
    "petitions",
    Audience.delegate,
    N_("petitions and voters' opinions: your items; for the office, answers due"),
)

COMMANDS: tuple[Command, ...] = (
    START,
    HELP,
    LANGUAGE,
    AGENDA,
    REPORT,
    AWAY,
    PROFILE,
    LINKS,
    MISSING,
    PETITIONS,
    STATS,
    BROADCAST,
    ATTENDANCE,
)


def audience_of(identity: Identity | None) -> Audience:
    if identity is None:
        return Audience.anyone
    if identity.office.is_office:
        return Audience.secretary
    if identity.is_linked:
        return Audience.delegate
    return Audience.anyone


def commands_for(audience: Audience) -> tuple[Command, ...]:
    return tuple(command for command in COMMANDS if command.audience <= audience)
