"""Statistics as CSV (the contract), and the Vietnamese words the XLSX and the chart share.

The CSV starts with the contract's eight columns ``unit,kind,assigned,held,not_held,
unreported,citizens,petitions``; the rest follow (see :data:`CSV_COLUMNS`): the other
figures, the sessions (distinct occurrences held, beside the delegate turns), upcoming
assignments, not held by reason, the completion rate (held / (held + not held +
unreported), a fraction, empty when nothing was due), the previous quarter's figures and
rate, and those of the same quarter a year before (``year_ago_…``): the text's comparison.
A row per unit and kind, then ``TOTAL`` per kind, then ``TOTAL,all``. UTF-8 with a BOM.

The XLSX and the chart are documents for the council office, so their words are
Vietnamese whatever the reader's language (like the CSV's column names, they are data).
"""

from __future__ import annotations

import re
import unicodedata

from bot.domain.csv_text import csv_text
from bot.domain.quarters import Quarter
from bot.domain.schedule import KIND_LABELS
from bot.domain.stats import ALL_KINDS, TOTAL, Counts, Line, Statistics
from bot.i18n import get_translator

CONTRACT_COLUMNS = (
    "unit", "kind", "assigned", "held", "not_held", "unreported", "citizens", "petitions",
)  # fmt: skip
FIGURE_COLUMNS = ("forwarded", "voters", "opinions", "sessions", "upcoming")
REASON_COLUMNS = ("not_held_postponed", "not_held_clash", "not_held_personal", "not_held_other")
PREVIOUS_OF = (
    "assigned", "held", "not_held", "unreported", "citizens", "petitions", "forwarded",
    "voters", "opinions", "sessions",
)  # fmt: skip
CSV_COLUMNS = (
    *CONTRACT_COLUMNS,
    *FIGURE_COLUMNS,
    *REASON_COLUMNS,
    "completion_rate",
    *(f"previous_{name}" for name in PREVIOUS_OF),
    "previous_completion_rate",
    *(f"year_ago_{name}" for name in PREVIOUS_OF),
    "year_ago_completion_rate",
)
_CURRENT = (*CONTRACT_COLUMNS[2:], *FIGURE_COLUMNS, *REASON_COLUMNS)
BOM = "\ufeff"

# --- Vietnamese words of the XLSX and the chart ---------------------------------------------

VI_TOTAL = "Tổng cộng"
VI_ALL_KINDS = "Tất cả"
VI_HELD = "Đã thực hiện"
VI_NOT_HELD = "Không thực hiện"
VI_UNREPORTED = "Chưa báo cáo"
VI_NO_UNIT = "(chưa ghi đơn vị)"


def figure_value(counts: Counts, sessions: int, name: str) -> int:
    """The value of a figure column (``sessions`` is not part of ``Counts``)."""
    if name == "sessions":
        return sessions
    value = getattr(counts, name)
    assert isinstance(value, int)
    return value


def _current(line: Line, name: str) -> int:
    return figure_value(line.counts, line.sessions, name)


def _rate(counts: Counts) -> str:
    rate = counts.completion_rate
    return "" if rate is None else f"{rate:.4f}".rstrip("0").rstrip(".")


def csv_rows(stats: Statistics) -> list[list[str]]:
    """The CSV's rows, header first, as strings. Several councils: a trailing ``council``
    column with the council's code (empty on the ``TOTAL`` rows), rows per council, unit
    and kind (contract)."""
    several = len(stats.councils) > 1
    rows: list[list[str]] = [[*CSV_COLUMNS, *(["council"] if several else [])]]
    for line in stats.lines:
        rows.append(
            [
                line.unit,
                line.kind,
                *(str(_current(line, name)) for name in _CURRENT),
                _rate(line.counts),
                *(
                    str(figure_value(line.previous, line.previous_sessions, name))
                    for name in PREVIOUS_OF
                ),
                _rate(line.previous),
                *(
                    str(figure_value(line.year_ago, line.year_ago_sessions, name))
                    for name in PREVIOUS_OF
                ),
                _rate(line.year_ago),
                *([line.council] if several else []),
            ]
        )
    return rows


def csv_bytes(stats: Statistics) -> bytes:
    """UTF-8 with a BOM, lines ending in CRLF (what Excel writes and expects)."""
    return (BOM + csv_text(csv_rows(stats))).encode("utf-8")


def kind_label(kind: str) -> str:
    """``Tiếp công dân``; ``Tất cả`` for the ``all`` of the totals."""
    if kind == ALL_KINDS:
        return VI_ALL_KINDS
    message = KIND_LABELS.get(kind)
    return get_translator("vi")(message) if message else kind


def unit_label(unit: str) -> str:
    if unit == TOTAL:
        return VI_TOTAL
    return unit or VI_NO_UNIT


def vi_quarter(quarter: Quarter) -> str:
    """``Quý I/2022``, always in Vietnamese (documents for the council office)."""
    return f"Quý {quarter.roman}/{quarter.year}"


def scope_title(stats: Statistics) -> str:
    """The council's name, or how many councils the figures cover."""
    if len(stats.councils) == 1:
        return stats.councils[0].name
    return f"{len(stats.councils)} HĐND"


def file_stem(stats: Statistics) -> str:
    """``thong-ke-2022-Q1-HDND-DEMO``: ASCII, safe as a file name anywhere."""
    scope = stats.councils[0].code if len(stats.councils) == 1 else "tat-ca"
    folded = unicodedata.normalize("NFKD", scope.replace("Đ", "D").replace("đ", "d"))
    ascii_scope = re.sub(r"[^A-Za-z0-9_-]+", "-", folded.encode("ascii", "ignore").decode())
    return f"thong-ke-{stats.quarter.label}-{ascii_scope.strip('-') or 'hdnd'}"
