"""``delegates away`` (an absence reported on paper or by phone) and ``schedule attendance``
(the answers to a day's sessions)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli.common import CommandScope, Context, with_database, write_csv
from bot.cli.parsing import Commands, date_option
from bot.db import utcnow
from bot.domain.csv_text import csv_text
from bot.domain.dates import format_date, format_moment
from bot.errors import EXIT_OK, BadInputError, UsageError
from bot.i18n import N_, Gettext

if TYPE_CHECKING:
    from bot.services.availability.attendance import SessionRoll

ATTENDANCE_COLUMNS = ("delegate_code", "delegate_name", "answer", "reason", "answered_at")


def cmd_away(context: Context, args: argparse.Namespace) -> int:
    from bot.domain.availability import AwayInputError, AwayReason, check_period
    from bot.services.availability.absences import record_absence
    from bot.services.availability.releases import SubstitutePolicy
    from bot.services.delegates.accounts import delegate_by_code

    settings = context.settings
    now = utcnow()
    ends_on = args.date_to or args.date_from
    if ends_on < args.date_from:  # the options contradict each other: a usage error
        raise UsageError(
            N_("--to ({to}) is before --from ({since})"),
            to=format_date(ends_on),
            since=format_date(args.date_from),
        )
    try:
        check_period(args.date_from, ends_on, now.astimezone(settings.zone).date())
    except AwayInputError as error:
        raise BadInputError(str(error.args[0])) from None

    async def work(scope: CommandScope) -> int:
        delegate = await delegate_by_code(session=scope.session, code=args.code)
        if delegate is None or delegate.id is None:
            raise BadInputError(N_("Unknown delegate code: {code}"), code=args.code)
        note = (args.reason or "").strip()[:500]
        result = await record_absence(
            session=scope.session,
            delegate_id=delegate.id,
            starts_on=args.date_from,
            ends_on=ends_on,
            reason=AwayReason.other if note else AwayReason.personal,
            note=note,
            source="cli",
            now=now,
            policy=SubstitutePolicy.from_settings(settings),
        )
        await scope.session.commit()
        print(
            context.gettext(
                "Absence recorded for {code}: {released} duty(ies) released, "
                "{sessions} session(s) marked absent; stand-ins are being sought."
            ).format(code=args.code, released=result.released, sessions=result.sessions)
        )
        return EXIT_OK

    return with_database(settings, work)


def _csv(rolls: Sequence[SessionRoll]) -> str:
    rows: list[Sequence[object]] = [ATTENDANCE_COLUMNS]
    for roll in rolls:
        rows.extend(
            [
                line.delegate_code,
                line.delegate_name,
                line.answer.value,
                ": ".join(part for part in (line.reason or "", line.note) if part),
                line.answered_at.isoformat() if line.answered_at else "",
            ]
            for line in roll.lines
        )
    return csv_text(rows, line_end="\n")


def _text(rolls: Sequence[SessionRoll], language: str, _: Gettext) -> str:
    from bot.domain.availability import Answer
    from bot.messages.availability_texts import ANSWERS, reason_text

    if not rolls:
        return _("No session on this day.") + "\n"
    out: list[str] = []
    for roll in rolls:
        when = format_moment(roll.starts_at, language)
        out.append(f"{roll.title} — {roll.council_name} — {when}")
        for answer, label in ANSWERS.items():
            people = [line for line in roll.lines if line.answer is answer]
            out.append("  " + _(label).format(count=len(people)))
            for line in people:
                reason = reason_text(line.reason, line.note, _) if answer is Answer.absent else ""
                out.append(
                    f"    {line.delegate_code} {line.delegate_name}"
                    + (f" — {reason}" if reason else "")
                )
    return "\n".join(out) + "\n"


def cmd_attendance(context: Context, args: argparse.Namespace) -> int:
    from bot.services.availability.attendance import session_rolls
    from bot.services.schedule.views import local_bounds
    from bot.services.stats.figures import council_by_code

    zone = context.settings.zone

    async def work(scope: CommandScope) -> int:
        council_ids = None
        if args.council is not None:
            council = await council_by_code(session=scope.session, code=args.council)
            if council is None or council.id is None:
                raise BadInputError(N_("Unknown council code: {code}"), code=args.council)
            council_ids = [council.id]
        start, end = local_bounds(args.date, args.date, zone)
        assert start is not None
        rolls = await session_rolls(
            session=scope.session,
            zone=zone,
            council_ids=council_ids,
            starts_from=start,
            starts_before=end,
        )
        if args.format == "csv":
            write_csv(_csv(rolls), None)
        else:
            sys.stdout.write(_text(rolls, context.language, context.gettext))
        return EXIT_OK

    return with_database(context.settings, work)


def register_away(delegates: Commands) -> None:
    _ = delegates.gettext
    day = date_option(_)
    away = delegates.command(
        "away",
        cmd_away,
        help=_("an absence reported on paper or by phone, as if the delegate had sent /vang"),
    )
    away.add_argument("code", metavar=_("CODE"), help=_("delegate code"))
    away.add_argument(
        "--from", dest="date_from", type=day, required=True, metavar=_("DATE"),
        help=_("first day, DD/MM/YYYY or YYYY-MM-DD"),
    )  # fmt: skip
    away.add_argument(
        "--to", dest="date_to", type=day, metavar=_("DATE"),
        help=_("last day included, DD/MM/YYYY or YYYY-MM-DD"),
    )  # fmt: skip
    away.add_argument("--reason", metavar=_("TEXT"), help=_("why (shown to the office)"))


def register_attendance(schedule: Commands) -> None:
    _ = schedule.gettext
    parser = schedule.command(
        "attendance", cmd_attendance, help=_("answers to the session(s) of a day")
    )
    parser.add_argument(
        "--date", type=date_option(_), required=True, metavar=_("DATE"),
        help=_("the session's day, DD/MM/YYYY or YYYY-MM-DD"),
    )  # fmt: skip
    parser.add_argument("--council", metavar=_("CODE"), help=_("only this council"))
    parser.add_argument(
        "--format", choices=("text", "csv"), default="text", help=_("text (default) or csv")
    )
