"""The register's figures for the quarterly text and workbook, as the office writes them:
``tiếp nhận 04 đơn: 01 khiếu nại, 02 kiến nghị, 01 phản ánh; đã chuyển 03 đơn đến cơ
quan có thẩm quyền, 02 đơn đã có văn bản trả lời (01 đúng hạn, 01 quá hạn), 01 đơn đang
chờ trả lời``. Pure: register items in, figures and sentences out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.domain.petitions import PETITION_TYPES, PetitionAction, PetitionType, answered_on_time
from bot.i18n import N_, get_translator

TYPE_WORDS = {
    PetitionType.complaint: N_("{count} complaint(s)"),
    PetitionType.denunciation: N_("{count} denunciation(s)"),
    PetitionType.proposal: N_("{count} proposal(s)"),
    PetitionType.feedback: N_("{count} feedback item(s)"),
}


@dataclass(frozen=True)
class RegisterItem:
    """What the figures need of one register item (no personal data)."""

    council_id: int
    type: str
    action: str | None
    due_on: date | None
    answered_on: date | None


@dataclass
class RegisterFigures:
    """One council's (or all chosen councils') register items received in a quarter."""

    types: Counter[str] = field(default_factory=Counter)
    """Petitions by type; voters' opinions are counted apart."""
    forwarded: int = 0
    on_time: int = 0
    late: int = 0
    awaited: int = 0
    opinions: int = 0
    opinions_forwarded: int = 0
    opinions_answered: int = 0

    @property
    def petitions(self) -> int:
        return sum(self.types.values())

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    @property
    def empty(self) -> bool:
        return not (self.petitions or self.opinions)

    def add(self, item: RegisterItem) -> None:
        forwarded = item.action == PetitionAction.forwarded.value
        if item.type == PetitionType.opinion.value:
            self.opinions += 1
            self.opinions_forwarded += forwarded
            self.opinions_answered += forwarded and item.answered_on is not None
            return
        self.types[item.type] += 1
        if not forwarded:
            return
        self.forwarded += 1
        timely = answered_on_time(item.due_on, item.answered_on)
        if timely is None:
            self.awaited += item.answered_on is None
            self.on_time += item.answered_on is not None  # answered, no due date given
        elif timely:
            self.on_time += 1
        else:
            self.late += 1


def register_figures(items: Iterable[RegisterItem]) -> dict[int | None, RegisterFigures]:
    """Per council, and for all of them under ``None``."""
    found: dict[int | None, RegisterFigures] = {}
    for item in items:
        for key in (item.council_id, None):
            found.setdefault(key, RegisterFigures()).add(item)
    return found


def _n(value: int, language: str) -> str:
    if language == "vi":
        return f"{value:02d}" if 0 <= value < 10 else f"{value:,}".replace(",", ".")
    return f"{value:,}"


def _petition_clause(figures: RegisterFigures, language: str) -> str:
    """``tiếp nhận 04 đơn: 01 khiếu nại, 02 kiến nghị, 01 phản ánh; đã chuyển 03 đơn …``:
    the types after a colon, as the office writes them, then what became of them."""
    _ = get_translator(language)

    def n(value: int) -> str:
        return _n(value, language)

    types = ", ".join(
        _(TYPE_WORDS[kind]).format(count=n(figures.types[kind.value]))
        for kind in PETITION_TYPES
        if figures.types[kind.value]
    )
    clause = _("{count} petition(s) received: {types}").format(
        count=n(figures.petitions), types=types
    )
    outcome = []
    if figures.forwarded:
        outcome.append(
            _("{count} forwarded to the competent bodies").format(count=n(figures.forwarded))
        )
    if figures.answered:
        timing = ", ".join(
            _(message).format(count=n(count))
            for message, count in (
                (N_("{count} on time"), figures.on_time),
                (N_("{count} late"), figures.late),
            )
            if count
        )
        outcome.append(
            _("{count} answered in writing ({timing})").format(
                count=n(figures.answered), timing=timing
            )
        )
    if figures.awaited:
        outcome.append(_("{count} still awaiting an answer").format(count=n(figures.awaited)))
    return "; ".join([clause, ", ".join(outcome)]) if outcome else clause


def register_sentence(figures: RegisterFigures, language: str) -> str:
    """The register's clause of the quarterly text (empty when nothing was received)."""
    _ = get_translator(language)

    def n(value: int) -> str:
        return _n(value, language)

    parts: list[str] = []
    if figures.petitions:
        parts.append(_petition_clause(figures, language))
    if figures.opinions:
        clause = _("{count} voters' opinion(s) recorded").format(count=n(figures.opinions))
        if figures.opinions_forwarded:
            clause += ", " + _("{count} forwarded").format(count=n(figures.opinions_forwarded))
        if figures.opinions_answered:
            clause += ", " + _("{count} answered").format(count=n(figures.opinions_answered))
        parts.append(clause)
    if not parts:
        return ""
    return _("Register of petitions: {figures}.").format(figures="; ".join(parts))


def register_table(
    figures: Mapping[int | None, RegisterFigures],
) -> list[tuple[str, int]]:
    """The workbook's rows for all chosen councils: (label id, value)."""
    total = figures.get(None, RegisterFigures())
    return [
        *((TYPE_WORDS[kind], total.types[kind.value]) for kind in PETITION_TYPES),
        (N_("forwarded"), total.forwarded),
        (N_("answered on time"), total.on_time),
        (N_("answered late"), total.late),
        (N_("still awaited"), total.awaited),
        (N_("voters' opinion"), total.opinions),
    ]
