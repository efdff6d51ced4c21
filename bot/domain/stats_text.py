"""The quarter in the words of a council report: plain text, ready to paste.

``Quý I/2022, HĐND huyện An Thịnh: đại biểu HĐND tiếp công dân 54 buổi (81 lượt đại
biểu), tiếp 120 lượt công dân; tiếp nhận 04 đơn thư, …`` then the previous quarter in
the same words, then how complete the delegates' reports are. Vietnamese numbers below
10 are written with two digits (``04 đơn thư``), as such reports do, and thousands with a
dot (``1.250``). Council names are plain text: HTML callers escape the result.
"""

from __future__ import annotations

from bot.domain.petition_stats import register_sentence
from bot.domain.quarters import Quarter
from bot.domain.stats import REPORTED_KINDS, Counts, Period, Statistics, Summary
from bot.i18n import N_, Gettext, get_translator

QUARTER_TITLE = N_("Quarter {roman}/{year}")


def figure(value: int, language: str) -> str:
    """``04`` and ``1.250`` in Vietnamese, ``4`` and ``1,250`` in English."""
    if language == "vi":
        return f"{value:02d}" if 0 <= value < 10 else f"{value:,}".replace(",", ".")
    return f"{value:,}"


def rate(value: float | None, language: str) -> str:
    """``86,4%`` (vi) or ``86.4%`` (en); a dash when nothing was due."""
    if value is None:
        return "–"
    text = f"{value * 100:.1f}%"
    return text.replace(".", ",") if language == "vi" else text


def quarter_title(quarter: Quarter, _: Gettext) -> str:
    """``Quý I/2022``."""
    return _(QUARTER_TITLE).format(roman=quarter.roman, year=quarter.year)


def summary_text(stats: Statistics, language: str) -> str:
    """Every summary of ``stats`` (an overall one first when several councils), a
    paragraph each."""
    return "\n\n".join(summary_paragraph(s, stats.quarter, language) for s in stats.summaries)


def summary_paragraph(summary: Summary, quarter: Quarter, language: str) -> str:
    _ = get_translator(language)
    shown = {
        kind
        for kind in (*REPORTED_KINDS, "session")
        if summary.current.of(kind).assigned or summary.previous.of(kind).assigned
    }
    who = summary.council.name if summary.council is not None else _("all councils chosen")
    lines = [
        _("{quarter}, {council}: {figures}.").format(
            quarter=quarter_title(quarter, _),
            council=who,
            figures=_figures(summary.current, shown, language),
        ),
        _("Previous quarter ({quarter}): {figures}.").format(
            quarter=quarter_title(quarter.previous(), _),
            figures=_figures(summary.previous, shown, language),
        ),
        _reports_line(summary.current.reported(), summary.previous.reported(), language),
    ]
    if summary.register is not None and (sentence := register_sentence(summary.register, language)):
        lines.insert(1, sentence)
    not_held = summary.current.reported()
    if not_held.not_held:
        lines.append(_not_held_line(not_held, language))
    return "\n".join(lines)


def _figures(period: Period, shown: set[str], language: str) -> str:
    _ = get_translator(language)

    def n(value: int) -> str:
        return figure(value, language)

    # A clause with nothing to count is left out, as offices write it ("không tổ chức"
    # reads as a finding, "00 hội nghị" as a blank form).
    parts: list[str] = []
    reception = period.of("reception")
    if "reception" in shown and (reception.held or reception.citizens or reception.petitions):
        standing = period.standing_committee_receptions
        message = (
            N_(
                "citizen reception on {sessions} occasion(s) ({turns} delegate turn(s), of which "
                "the Standing Committee {standing}), {citizens} citizen(s) received"
            )
            if standing
            else N_(
                "citizen reception on {sessions} occasion(s) ({turns} delegate turn(s)), "
                "{citizens} citizen(s) received"
            )
        )
        parts.append(
            _(message).format(
                sessions=n(period.sessions.get("reception", 0)),
                turns=n(reception.held),
                standing=n(standing),
                citizens=n(reception.citizens),
            )
        )
        parts.append(
            _(
                "{petitions} petition(s) received, {forwarded} forwarded to the competent bodies"
            ).format(petitions=n(reception.petitions), forwarded=n(reception.forwarded))
        )
    meetings = period.of("voter_meeting")
    if "voter_meeting" in shown and period.sessions.get("voter_meeting", 0):
        parts.append(
            _(
                "{meetings} voter meeting(s) with {voters} voter(s) and {opinions} opinion(s)"
            ).format(
                meetings=n(period.sessions.get("voter_meeting", 0)),
                voters=n(meetings.voters),
                opinions=n(meetings.opinions),
            )
        )
    if "supervision" in shown and (visits := period.sessions.get("supervision", 0)):
        parts.append(_("{count} supervision visit(s)").format(count=n(visits)))
    if "session" in shown and (sessions := period.ended.get("session", 0)):
        parts.append(_("{count} council session(s)").format(count=n(sessions)))
    if not parts:
        return _("no citizen reception, voter meeting, supervision or council session")
    return "; ".join(parts)


def _reports_line(current: Counts, previous: Counts, language: str) -> str:
    _ = get_translator(language)
    return _(
        "Delegates' reports: {held} held, {not_held} not held, {unreported} not reported, "
        "{upcoming} still to come; completion rate {rate} (previous quarter {previous_rate})."
    ).format(
        held=figure(current.held, language),
        not_held=figure(current.not_held, language),
        unreported=figure(current.unreported, language),
        upcoming=figure(current.upcoming, language),
        rate=rate(current.completion_rate, language),
        previous_rate=rate(previous.completion_rate, language),
    )


def _not_held_line(counts: Counts, language: str) -> str:
    _ = get_translator(language)
    reasons = counts.not_held_by_reason()
    return _(
        "Not held: {postponed} postponed, {clash} schedule clash, "
        "{personal} illness or personal reasons, {other} other reasons."
    ).format(**{reason: figure(value, language) for reason, value in reasons.items()})
