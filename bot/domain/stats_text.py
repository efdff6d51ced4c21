"""The quarter in the words of a council report: plain text, ready to paste.

One paragraph per council, or per level when several councils are covered (the upper
council, then its communes together, as the seed does), written in sentences that name
the council: ``Trong quý I/2022, HĐND huyện Mê Linh đã tổ chức 81 lượt tiếp công dân
định kỳ. Đại biểu … đã tiếp công dân 54 buổi …``. Under each paragraph a line compares it
with the previous quarter and with the same quarter a year before. The office's internal
follow-up (who reported, what was not held and why) comes last, after a blank line,
under its own heading, so the pasteable block stays clean.

Numbers below 10 are written with two digits (``04 đơn``) as such reports do, thousands
with a dot (``1.250``); a zero is never written (``00`` reads as a blank form): its
clause is left out, or says ``chưa có báo cáo kết quả`` when the duties took place but
nobody reported. Council names are plain text: HTML callers escape the result.

:func:`council_sentences` returns a paragraph as a list of sentences so that a feature
can add its own sentence to each council's paragraph.
"""

from __future__ import annotations

from bot.domain.petition_stats import register_sentence
from bot.domain.quarters import Quarter
from bot.domain.stats import Counts, Period, Statistics, Summary, completion_rate
from bot.i18n import N_, Gettext, get_translator

QUARTER_TITLE = N_("Quarter {roman}/{year}")
QUARTER_INLINE = N_("quarter {roman}/{year}")
# Several councils of one level make one paragraph, named as the office names them
# ("HĐND các xã, phường"); how many follows the name once, in brackets.
GROUP_NAMES = {
    "province": (N_("the province councils"), N_("({count} provinces)")),
    "district": (N_("the district councils"), N_("({count} districts)")),
    "commune": (N_("the commune and ward councils"), N_("({count} communes and wards)")),
}
GROUP_NAME = N_("{count} councils")
# Before July 2025 a district's lower councils were communes and towns (thị trấn).
TOWNS_GROUP_NAME = (N_("the commune and town councils"), N_("({count} communes and towns)"))
# Since then a province's lower councils may include a special zone (đặc khu).
ZONES_GROUP_NAME = (
    N_("the commune, ward and special zone councils"),
    N_("({count} communes, wards and special zones)"),
)


def figure(value: int, language: str) -> str:
    """``04`` and ``1.250`` in Vietnamese, ``4`` and ``1,250`` in English; a zero is
    ``0``, never ``00`` (callers leave a zero clause out)."""
    if language == "vi":
        return f"{value:02d}" if 0 < value < 10 else f"{value:,}".replace(",", ".")
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


def quarter_inline(quarter: Quarter, _: Gettext) -> str:
    """``quý I/2022``, inside a sentence."""
    return _(QUARTER_INLINE).format(roman=quarter.roman, year=quarter.year)


def _group_messages(summary: Summary) -> tuple[str, str] | None:
    """The name and the count of a level's councils together, ``None`` for one council
    or councils of no known level."""
    if summary.council is not None or summary.level not in GROUP_NAMES:
        return None
    names = " ".join(summary.names).lower()
    if summary.level == "commune" and "thị trấn" in names and "phường" not in names:
        return TOWNS_GROUP_NAME
    if summary.level == "commune" and "đặc khu" in names:
        return ZONES_GROUP_NAME
    return GROUP_NAMES[summary.level]


def who(summary: Summary, _: Gettext) -> str:
    """The council's name, or its level's councils together (``HĐND các xã, phường``)."""
    if summary.council is not None:
        return summary.council.name
    if (messages := _group_messages(summary)) is None:
        return _(GROUP_NAME).format(count=summary.count)
    return _(messages[0])


def who_counted(summary: Summary, language: str) -> str:
    """:func:`who`, and for a level's councils how many (``HĐND các xã, phường (06 xã,
    phường)``): a heading, the workbook's totals row, the paragraph's first mention."""
    _ = get_translator(language)
    name = who(summary, _)
    if (messages := _group_messages(summary)) is None:
        return name
    return f"{name} {_(messages[1]).format(count=figure(summary.count, language))}"


def summary_text(stats: Statistics, language: str) -> str:
    """A paragraph per summary of ``stats``, then the internal follow-up."""
    _ = get_translator(language)
    if not stats.summaries:  # several councils, none with a duty in the three quarters
        return _("In {quarter}, the councils chosen had no duties scheduled.").format(
            quarter=quarter_inline(stats.quarter, _)
        )
    paragraphs = [
        " ".join(council_sentences(s, stats.quarter, language))
        + "\n"
        + comparison_line(s, stats.quarter, language)
        for s in stats.summaries
    ]
    follow_up = [line for s in stats.summaries if (line := follow_up_line(s, language))]
    if follow_up:
        heading = _("Internal follow-up (not for the report):")
        paragraphs.append("\n".join([heading, *follow_up]))
    return "\n\n".join(paragraphs)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _opening(quarter: Quarter, sentence: str, name: str, counted: str, _: Gettext) -> str:
    """``Trong quý I/2022, `` before the paragraph's first sentence, and the council's
    name when that sentence does not say it (``Trong quý I/2022, HĐND xã Mỹ Lộc tổ chức
    02 cuộc giám sát.``); its first mention is ``counted`` (a level's councils with how
    many). A sentence opening with a common word is lowered; ``HĐND …`` stays as it is."""
    if sentence[1:2].islower():
        sentence = sentence[:1].lower() + sentence[1:]
    when = quarter_inline(quarter, _)
    if name in sentence:
        sentence = sentence.replace(name, counted, 1)
        return _("In {quarter}, {sentence}").format(quarter=when, sentence=sentence)
    return _("In {quarter}, {council} {sentence}").format(
        quarter=when, council=counted, sentence=sentence
    )


def council_sentences(summary: Summary, quarter: Quarter, language: str) -> list[str]:
    """The paragraph of one council (or level) as sentences, the first opened with the
    quarter."""
    _ = get_translator(language)
    name = who(summary, _)
    period = summary.current
    sentences = [
        *_reception_sentences(period, name, language),
        *_voter_meeting_sentences(period, language),
        *_supervision_sentences(period, language),
    ]
    if not sentences:
        sentences = [
            _(
                "{council} had no citizen reception, voter meeting, supervision or council session."
            ).format(council=name)
        ]
    sentences[0] = _opening(quarter, sentences[0], name, who_counted(summary, language), _)
    if summary.register is not None and (line := register_sentence(summary.register, language)):
        sentences.append(line)  # the petitions register's own sentence, last
    return sentences


def _reception_sentences(period: Period, name: str, language: str) -> list[str]:
    _ = get_translator(language)

    def n(value: int) -> str:
        return figure(value, language)

    reception = period.of("reception")
    sentences = []
    if period.periodic_turns:
        sentences.append(
            _("{council} held {turns} periodic citizen reception turn(s).").format(
                council=name, turns=n(period.periodic_turns)
            )
        )
    if sessions := period.delegate_reception_sessions:
        turns = reception.held - period.periodic_turns
        standing = period.standing_committee_receptions
        message = (
            N_(
                "The delegates of {council} received citizens on {sessions} occasion(s) "
                "({turns} delegate turn(s), of which the Standing Committee {standing})."
            )
            if standing
            else N_(
                "The delegates of {council} received citizens on {sessions} occasion(s) "
                "({turns} delegate turn(s))."
            )
        )
        sentences.append(
            _(message).format(
                council=name, sessions=n(sessions), turns=n(turns), standing=n(standing)
            )
        )
    clauses = []
    if reception.citizens:
        clauses.append(_("received {count} citizen(s)").format(count=n(reception.citizens)))
    if reception.petitions:
        clauses.append(
            _("received {count} complaint(s), denunciation(s), proposal(s) and feedback").format(
                count=n(reception.petitions)
            )
        )
    if reception.forwarded:
        clauses.append(
            _("forwarded {count} to the competent bodies").format(count=n(reception.forwarded))
        )
    if clauses:
        sentences.append(_capital(", ".join(clauses)) + ".")
    if not sentences and (ended := period.ended.get("reception", 0)):
        sentences.append(
            _("Citizen reception: {count} scheduled occasion(s), no results reported yet.").format(
                count=n(ended)
            )
        )
    return sentences


def _voter_meeting_sentences(period: Period, language: str) -> list[str]:
    _ = get_translator(language)

    def n(value: int) -> str:
        return figure(value, language)

    meetings = period.of("voter_meeting")
    if held := period.sessions.get("voter_meeting", 0):
        text = _("Held {count} voter meeting(s)").format(count=n(held))
        if meetings.voters:
            text += _(" attended by {count} voter(s)").format(count=n(meetings.voters))
        if meetings.opinions:
            text += _(", received {count} opinion(s) and recommendation(s)").format(
                count=n(meetings.opinions)
            )
        return [text + "."]
    if ended := period.ended.get("voter_meeting", 0):
        return [
            _("Voter meetings: {count} scheduled, no results reported yet.").format(count=n(ended))
        ]
    return []


def _supervision_sentences(period: Period, language: str) -> list[str]:
    _ = get_translator(language)
    visits = period.sessions.get("supervision", 0)
    sessions = period.ended.get("session", 0)
    visits_text = figure(visits, language)
    sessions_text = figure(sessions, language)
    sentences = []
    if visits and sessions:
        sentences.append(
            _("Held {visits} supervision visit(s) and {sessions} council session(s).").format(
                visits=visits_text, sessions=sessions_text
            )
        )
    elif visits:
        sentences.append(_("Held {visits} supervision visit(s).").format(visits=visits_text))
    elif sessions:
        sentences.append(_("Held {sessions} council session(s).").format(sessions=sessions_text))
    if not visits and (ended := period.ended.get("supervision", 0)):
        sentences.append(
            _("Supervision: {count} scheduled visit(s), no results reported yet.").format(
                count=figure(ended, language)
            )
        )
    return sentences


def _compact(period: Period, language: str) -> str:
    """The main figures of another quarter, in a few words; zeros left out."""
    _ = get_translator(language)
    reception = period.of("reception")
    parts = [
        (period.periodic_turns, N_("{count} periodic reception turn(s)")),
        (period.delegate_reception_sessions, N_("{count} reception occasion(s)")),
        (reception.citizens, N_("{count} citizen(s) received")),
        (period.sessions.get("voter_meeting", 0), N_("{count} voter meeting(s)")),
        (period.sessions.get("supervision", 0), N_("{count} supervision visit(s)")),
        (period.ended.get("session", 0), N_("{count} council session(s)")),
    ]
    words = [_(message).format(count=figure(value, language)) for value, message in parts if value]
    return ", ".join(words) if words else _("no activity")


def comparison_line(summary: Summary, quarter: Quarter, language: str) -> str:
    """``Quý trước (quý IV/2021): …; cùng kỳ năm 2021 (quý I/2021): ….``"""
    _ = get_translator(language)
    before, ago = quarter.previous(), quarter.year_before()
    return _(
        "Previous quarter ({previous}): {previous_figures}; same quarter of {year} "
        "({year_ago}): {year_ago_figures}."
    ).format(
        previous=quarter_inline(before, _),
        previous_figures=_compact(summary.previous, language),
        year=ago.year,
        year_ago=quarter_inline(ago, _),
        year_ago_figures=_compact(summary.year_ago, language),
    )


def follow_up_line(summary: Summary, language: str) -> str | None:
    """How many turns took place, how many were held (the one completion rate, over every
    kind as in the CSV's ``TOTAL,all``), not held and why, not reported, still to come;
    ``None`` when the council had nothing that took place or is to come."""
    _ = get_translator(language)
    counts = summary.current.everything()
    if not counts.due and not counts.upcoming:
        return None

    def n(value: int) -> str:
        return figure(value, language)

    parts = []
    if counts.due:
        parts.append(_("{due} turn(s) took place").format(due=n(counts.due)))
        parts.append(
            _("{held} held (completion rate {rate}, previous quarter {previous})").format(
                held=n(counts.held),
                rate=rate(completion_rate(counts), language),
                previous=rate(completion_rate(summary.previous.everything()), language),
            )
            if counts.held
            else _("none held")
        )
    if counts.not_held:
        parts.append(_not_held(counts, language))
    if counts.unreported:
        parts.append(_("{count} not reported").format(count=n(counts.unreported)))
    if counts.upcoming:
        parts.append(_("{count} still to come").format(count=n(counts.upcoming)))
    line = _("{council}: {parts}.").format(
        council=who_counted(summary, language), parts="; ".join(parts)
    )
    return _capital(line)


REASON_WORDS = {
    "postponed": N_("postponed {count}"),
    "clash": N_("schedule clash {count}"),
    "personal": N_("illness or personal reasons {count}"),
    "other": N_("other reasons {count}"),
}


def _not_held(counts: Counts, language: str) -> str:
    _ = get_translator(language)
    reasons = ", ".join(
        _(REASON_WORDS[reason]).format(count=figure(value, language))
        for reason, value in counts.not_held_by_reason().items()
        if value
    )
    return _("{count} not held ({reasons})").format(
        count=figure(counts.not_held, language), reasons=reasons
    )
