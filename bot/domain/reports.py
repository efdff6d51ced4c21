"""Completion-report replies: the one short message a delegate types after a duty.

A reply is read leniently (labels in any order, with or without diacritics, any
separator) and validated strictly (whole numbers 0–10,000). The leading figures and
labels are read first; the first other word starts the note, which keeps the label
or filler words just before it (``1 chuyển UBND xã`` → note ``chuyển UBND xã``),
because there they are part of the phrase rather than a label of a figure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache

from bot.i18n import N_


class ReportKind(StrEnum):
    reception = "reception"
    voter_meeting = "voter_meeting"
    supervision = "supervision"


class NotHeldReason(StrEnum):
    postponed = "postponed"
    clash = "clash"
    personal = "personal"
    other = "other"


REPORTABLE_KINDS: frozenset[str] = frozenset(kind.value for kind in ReportKind)
MAX_FIGURE = 10_000
MAX_NOTE = 500


@dataclass(frozen=True)
class Figures:
    citizens: int | None = None
    petitions: int | None = None
    forwarded: int | None = None
    voters: int | None = None
    opinions: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ReplyProblem:
    message: str
    params: dict[str, str] = field(default_factory=dict)


_EXAMPLES = {
    ReportKind.reception: "12 3 1 chuyển UBND xã",
    ReportKind.voter_meeting: "85 12",
    ReportKind.supervision: "Kiểm tra việc giải quyết đơn thư tại UBND xã",
}
_FIELDS = {
    ReportKind.reception: ("citizens", "petitions", "forwarded"),
    ReportKind.voter_meeting: ("voters", "opinions"),
}
# Folded (lower case, no diacritics) phrases, "|"-separated; the longest match wins.
_LABELS = {
    ReportKind.reception: {
        "citizens": "luot cong dan|cong dan|cd|citizen|citizens",
        "petitions": "don thu|don|don thu khieu nai|don khieu nai|don to cao|don kien nghi"
        "|don phan anh|petition|petitions",
        "forwarded": "chuyen|chuyen don|chuyen tiep|forwarded|fwd",
    },
    ReportKind.voter_meeting: {
        "voters": "cu tri|luot cu tri|ct|voter|voters",
        "opinions": "y kien|kien nghi|y kien kien nghi|yk|opinion|opinions",
    },
}
# Connecting words people put around figures ("tiếp 12 công dân, nhận 3 đơn"); "và"
# separates items as firmly as a comma does. Words that often open a note ("có",
# "là", "được") are left out so that "12 3 có 2 đơn trùng" keeps its note whole.
_FILLERS = (
    "da|tiep|tiep nhan|tiep xuc|nhan|nhan duoc|gom|tong|tong so|tong cong|so|so luong|luot"
    "|nguoi|trong do|tham du|du|tham gia|phat bieu|hom nay|bao cao|ket qua"
)
_STRONG_FILLERS = frozenset({"va", "and"})
# "Nobody came", "no petitions", "no opinions": each reads as a figure 0 with its label.
# Folded regular expressions (words separated by blanks), by kind and field.
_ZEROS: dict[ReportKind, dict[str, str]] = {
    ReportKind.reception: {
        "citizens": r"(?:khong|ko|chua)\s+co\s+(?:ai|nguoi dan|luot cong dan|cong dan|luot)"
        r"(?:\s+nao)?(?:\s+(?:den|toi))?(?:\s+(?:lam viec|lien he|kien nghi|phan anh))?",
        "petitions": r"(?:khong|ko|chua)\s+(?:co\s+|nhan\s+|nhan duoc\s+|tiep nhan\s+)?"
        r"(?:don thu|don)(?:\s+nao)?",
    },
    ReportKind.voter_meeting: {
        "opinions": r"(?:khong|ko)\s+co\s+(?:y kien|kien nghi)(?:\s+(?:kien nghi|nao))?",
    },
}
# A whole reply that means "nobody came" (0 citizens, 0 petitions), once folded and trimmed.
_NOBODY = frozenset({"0", "khong", "ko", "k", "khong co", "khong ai", "khong co ai", "none"})
# An opening bracket after the figures starts the note (a breakdown such as "(01 khiếu nại,
# 01 kiến nghị)"), and a figure forwarded is then looked for in the note's words.
_BREAKDOWN = frozenset("([")
_FORWARDED_IN_NOTE = re.compile(
    r"(?<![^\W_])(?:(?:da\s+)?(?:duoc\s+)?chuyen(?:\s+tiep)?(?:\s+den)?\s+([0-9]{1,5})(?![0-9])"
    r"|([0-9]{1,5})\s+(?:don(?:\s+thu)?\s+)?(?:da\s+)?(?:duoc\s+)?chuyen(?![^\W\d_]))"
)
_STRONG_CHARS = frozenset(",;/|.&")
_NOTE_MARKERS = "ghi chu|note"
_NONE_NOTES = frozenset({"-", "--", "–", "—", ".", "khong", "khong co", "ko", "none", "no"})
_OPENERS = "([{\"'“‘«"

_EXPECTED = {
    ReportKind.reception: N_(
        "Please write the number of citizens and of petitions, for example: {example}"
    ),
    ReportKind.voter_meeting: N_(
        "Please write the number of voters and of opinions, for example: {example}"
    ),
    ReportKind.supervision: N_(
        "Please write a short note on the supervision, or - if there is nothing to add."
    ),
}
_MISSING = {
    "citizens": N_("Please add the number of citizens, for example: {example}"),
    "petitions": N_("Please add the number of petitions, for example: {example}"),
    "voters": N_("Please add the number of voters, for example: {example}"),
    "opinions": N_("Please add the number of opinions, for example: {example}"),
}
_FAULTS = {
    "negative": N_("{value} is negative; please write whole numbers, for example: {example}"),
    "fraction": N_("{value} is not a whole number; please check, for example: {example}"),
    "large": N_("{value} is above 10,000; please check the figure, for example: {example}"),
}
_FORWARDED_OVER = N_(
    "{forwarded} petitions forwarded is more than the {petitions} received; "
    "please check, for example: {example}"
)


def _words(phrases: str) -> str:
    alternatives = sorted(phrases.split("|"), key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in alternatives)
    return rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])"


def _zero_words(kind: ReportKind) -> str:
    zeros = _ZEROS.get(kind, {})
    if not zeros:
        return r"(?!x)x"  # matches nothing
    body = "|".join(f"(?:{pattern.replace(' ', chr(92) + 's+')})" for pattern in zeros.values())
    return rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])"


@cache
def _pattern(kind: ReportKind) -> re.Pattern[str]:
    labels = "|".join(_LABELS[kind].values())
    return re.compile(
        rf"(?P<marker>{_words(_NOTE_MARKERS)}[\s:.\-–—]*)"
        rf"|(?P<zero>{_zero_words(kind)})"
        r"|(?P<num>(?P<minus>[-–—−])?[0-9]+(?:[.,][0-9]+)*)"
        rf"|(?P<label>{_words(labels)})"
        rf"|(?P<filler>{_words(_FILLERS + '|' + '|'.join(_STRONG_FILLERS))})"
        r"|(?P<word>[^\W\d_]+)|(?P<space>\s+)|(?P<sep>.)",
        re.DOTALL,
    )


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lowered = char.lower().replace("đ", "d")
    bare = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
    # One character in, one out, so positions in the folded text are positions in the reply.
    return bare if len(bare) == 1 else char


def _fold(text: str) -> str:
    return "".join(map(_fold_char, text))


@dataclass
class _Token:
    kind: str  # num, label, filler, space, sep
    start: int
    end: int
    level: int = 0  # how firmly it separates: 0 blank, 1 weak (":", "-"), 2 like a comma
    field: str = ""
    value: int | None = None
    fault: str = ""
    raw: str = ""


def _numbers(raw: str, start: int) -> list[_Token]:
    """A digit group → figures: ``1.200`` is 1200, ``12,3,1`` three, ``12,5`` a fraction."""
    marks = re.findall(r"[.,]", raw)
    if not marks or re.fullmatch(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*", raw):
        digits = re.sub(r"[.,]", "", raw).lstrip("0") or "0"
        # Length first: int() of thousands of digits is slow and may refuse.
        if len(digits) > len(str(MAX_FIGURE)) or int(digits) > MAX_FIGURE:
            return [_Token("num", start, start + len(raw), fault="large", raw=raw)]
        return [_Token("num", start, start + len(raw), value=int(digits), raw=raw)]
    if len(marks) >= 2 and len(set(marks)) == 1:
        return [
            token
            for part in re.finditer(r"[0-9]+", raw)
            for token in _numbers(part.group(), start + part.start())
        ]
    return [_Token("num", start, start + len(raw), fault="fraction", raw=raw)]


def _phrase_start(tokens: list[_Token], start: int, source: str) -> int:
    """Drops from ``tokens`` the labels and fillers that belong to the note at ``start``."""
    if tokens and tokens[-1].kind in ("label", "filler") and tokens[-1].end == start:
        start = tokens.pop().start
    while len(tokens) >= 2 and tokens[-1].kind == "space" and tokens[-1].level == 0:
        if tokens[-2].kind not in ("label", "filler"):
            break
        start = tokens[-2].start
        del tokens[-2:]
    if start > 0 and source[start - 1] in _OPENERS:
        start -= 1
    return start


def _scan(kind: ReportKind, source: str) -> tuple[list[_Token], int]:
    """Tokens of the leading figures, and where the note starts."""
    labels = {p: name for name, phrases in _LABELS[kind].items() for p in phrases.split("|")}
    capacity, count, tokens = len(_FIELDS[kind]), 0, list[_Token]()
    pos, folded = 0, _fold(source)
    while pos < len(folded):
        match = _pattern(kind).match(folded, pos)
        assert match is not None  # the last alternative takes any character
        group, text, start, pos = match.lastgroup, match.group(), match.start(), match.end()
        if group == "marker":
            return tokens, pos
        if group == "word" and text == "co" and count == 0:
            tokens.append(_Token("filler", start, pos, level=1))  # "Có 85 cử tri dự, …"
            continue
        if group == "word":
            return tokens, _phrase_start(tokens, start, source)
        if group == "zero":
            if count == capacity:
                return tokens, _phrase_start(tokens, start, source)
            name = _zero_field(kind, text)
            tokens.append(_Token("num", start, start, value=0, raw="0"))
            tokens.append(_Token("label", start, pos, field=name))
            count += 1
            continue
        if group == "sep" and text in _BREAKDOWN and count >= 2:
            return tokens, start
        if group == "num":
            before = next((t.kind for t in reversed(tokens) if t.kind != "space"), "")
            if match.group("minus") and before == "num":
                # A dash between two figures separates them ("12-3", "12 - 3").
                tokens.append(_Token("sep", start, start + 1, level=1))
                found = _numbers(text[1:], start + 1)
            elif match.group("minus"):
                found = [_Token("num", start, pos, fault="negative", raw=source[start:pos])]
            else:
                found = _numbers(text, start)
            for number in found:
                if count == capacity:
                    return tokens, _phrase_start(tokens, number.start, source)
                tokens.append(number)
                count += 1
        elif group == "label":
            tokens.append(_Token("label", start, pos, field=labels[" ".join(text.split())]))
        elif group == "filler":
            tokens.append(_Token("filler", start, pos, level=2 if text in _STRONG_FILLERS else 1))
        elif group == "space":
            tokens.append(_Token("space", start, pos, level=2 if "\n" in text else 0))
        else:
            tokens.append(_Token("sep", start, pos, level=2 if text in _STRONG_CHARS else 1))
    return tokens, len(source)


def _zero_field(kind: ReportKind, folded: str) -> str:
    text = " ".join(folded.split())
    return next(
        name
        for name, pattern in _ZEROS[kind].items()
        if re.fullmatch(pattern.replace(" ", r"\s+"), text)
    )


def _bind(kind: ReportKind, tokens: list[_Token]) -> dict[int, int]:
    """Which number each label names: the one it touches, else the one its position fits."""
    fields = _FIELDS[kind]
    sig = [i for i, t in enumerate(tokens) if t.kind in ("num", "label")]
    nums = [i for i in sig if tokens[i].kind == "num"]
    labels_lead = bool(sig) and tokens[sig[0]].kind == "label"
    bound: dict[int, int] = {}  # number index → label index

    def at(j: int, kind: str) -> int | None:
        return sig[j] if 0 <= j < len(sig) and tokens[sig[j]].kind == kind else None

    def gap(a: int, b: int) -> int:
        return max((t.level for t in tokens[a + 1 : b]), default=0)

    def fits(num: int, name: str) -> bool:
        return nums.index(num) < len(fields) and fields[nums.index(num)] == name

    for j, i in enumerate(sig):
        name = tokens[i].field
        if tokens[i].kind != "label":
            continue
        prev, after = at(j - 1, "num"), at(j + 1, "num")
        prev = prev if prev is not None and prev not in bound and gap(prev, i) == 0 else None
        after = after if after is not None and gap(i, after) <= 1 else None
        if prev is not None and after is not None:
            # "3 đơn 12 công dân": the next number has its own label, so this one looks back.
            own = at(j + 2, "label")
            if own is not None and gap(after, own) == 0:
                after = None
            elif fits(prev, name) != fits(after, name):
                prev, after = (None, after) if fits(after, name) else (prev, None)
            elif labels_lead:
                prev = None
        target = prev if prev is not None else after
        if target is not None:
            bound[target] = i
    return bound


def _place(kind: ReportKind, tokens: list[_Token]) -> dict[str, _Token] | int:
    """The figure of each field, or where a figure for a field already given begins."""
    bound = _bind(kind, tokens)
    nums = [i for i, t in enumerate(tokens) if t.kind == "num"]
    placed: dict[str, int] = {}
    for i in nums:
        if i in bound:
            name = tokens[bound[i]].field
            if name in placed:
                return min(i, bound[i])
            placed[name] = i
    free = [name for name in _FIELDS[kind] if name not in placed]
    # Scanning keeps at most one number per field, so every unlabelled one has a place.
    placed.update(zip(free, (i for i in nums if i not in bound), strict=False))
    return {name: tokens[i] for name, i in placed.items()}


def _cap(note: str) -> str:
    return note.strip()[:MAX_NOTE].rstrip()


def _problem(message: str, kind: ReportKind, **params: object) -> ReplyProblem:
    values = {key: str(value) for key, value in params.items()}
    return ReplyProblem(message, {**values, "example": _EXAMPLES[kind]})


def _check(kind: ReportKind, placed: dict[str, _Token], note: str) -> Figures | ReplyProblem:
    if not placed:
        return _problem(_EXPECTED[kind], kind)
    for token in sorted(placed.values(), key=lambda t: t.start):
        if token.fault:
            shown = token.raw if len(token.raw) <= 12 else token.raw[:10] + "…"
            return _problem(_FAULTS[token.fault], kind, value=shown)
    values = {name: token.value for name, token in placed.items() if token.value is not None}
    if kind is ReportKind.reception and values.get("citizens") == 0:
        values.setdefault("petitions", 0)  # nobody came, so no petitions either
    for name in _FIELDS[kind][:2]:
        if name not in values:
            return _problem(_MISSING[name], kind)
    if kind is ReportKind.voter_meeting:
        return Figures(voters=values["voters"], opinions=values["opinions"], note=note)
    citizens, petitions = values["citizens"], values["petitions"]
    forwarded = values.get("forwarded", _forwarded_in_note(note, petitions))
    if forwarded > petitions:
        return _problem(_FORWARDED_OVER, kind, forwarded=forwarded, petitions=petitions)
    return Figures(citizens=citizens, petitions=petitions, forwarded=forwarded, note=note)


def _forwarded_in_note(note: str, petitions: int) -> int:
    """``… đã chuyển 01 đơn đến UBND xã`` in the note: that figure, when it can be right."""
    match = _FORWARDED_IN_NOTE.search(_fold(note))
    if match is None:
        return 0
    value = int(match.group(1) or match.group(2))
    return value if value <= petitions else 0


def _report_kind(kind: str) -> ReportKind:
    try:
        return ReportKind(kind)
    except ValueError:
        raise ValueError(f"{kind!r} is not a reportable kind") from None


def _trimmed(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", _fold(text)).split())


def parse_reply(kind: str, text: str) -> Figures | ReplyProblem:
    """The figures of one reply, or what is wrong with it. Raises only for an unknown kind."""
    report_kind = _report_kind(kind)
    source = unicodedata.normalize("NFC", text)
    if not source.strip():
        return _problem(_EXPECTED[report_kind], report_kind)
    if report_kind is ReportKind.supervision:
        note = _cap(source)
        return Figures() if " ".join(_fold(note).split()) in _NONE_NOTES else Figures(note=note)
    if report_kind is ReportKind.reception and _trimmed(source) in _NOBODY:
        return Figures(citizens=0, petitions=0, forwarded=0)
    tokens, note_start = _scan(report_kind, source)
    while not isinstance(placed := _place(report_kind, tokens), dict):
        # A second figure for a field already given starts the note.
        note_start, tokens = tokens[placed].start, tokens[:placed]
    return _check(report_kind, placed, _cap(source[note_start:]))


def example_reply(kind: str) -> str:
    """A reply of this kind that :func:`parse_reply` reads, to show in prompts and problems."""
    return _EXAMPLES[_report_kind(kind)]


def figures_summary(kind: str, figures: Figures, _: Callable[[str], str]) -> str:
    """What was understood, in the delegate's language, to confirm before saving."""
    report_kind = _report_kind(kind)
    shown = {key: "–" if value is None else str(value) for key, value in vars(figures).items()}
    if report_kind is ReportKind.supervision:
        if figures.note:
            return _("Supervision note: {note}").format(note=figures.note)
        return _("Supervision carried out, no note")
    if report_kind is ReportKind.voter_meeting:
        text = _("{voters} voters, {opinions} opinions").format(**shown)
    elif figures.forwarded:
        text = _("{citizens} citizens, {petitions} petitions, {forwarded} forwarded").format(
            **shown
        )
    else:
        text = _("{citizens} citizens, {petitions} petitions").format(**shown)
    if figures.note:
        text += "\n" + _("Note: {note}").format(note=figures.note)
    return text
