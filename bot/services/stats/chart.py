"""The per-unit chart as a PNG: held / not held / not reported, the reported kinds.

Drawn with matplotlib's object API (``Figure`` on an Agg canvas), never ``pyplot``: no
display, no global figure registry, so it is safe in a worker thread of the bot. The
text is set in DejaVu Sans, which matplotlib bundles and which has every Vietnamese
letter (``ệ``, ``ữ``, ``Đ``…), so the picture is the same on any server; names are
NFC-normalised first, because decomposed accents would be drawn as separate marks.
The image is 1200 px wide and grows in height with the number of units.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Any

from bot.domain.stats import Statistics
from bot.services.stats.output import (
    VI_HELD,
    VI_NOT_HELD,
    VI_UNREPORTED,
    scope_title,
    unit_label,
    vi_quarter,
)

WIDTH_PX = 1200
DPI = 100
FONT = "DejaVu Sans"
COLORS = ("#2E7D32", "#EF6C00", "#C62828")
ROW_INCHES = 0.42
MIN_HEIGHT_INCHES = 4.0
LEGEND_INCHES = 0.4
MIN_ROWS = 4  # a single unit still gets a bar of ordinary thickness


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def chart_png(stats: Statistics) -> bytes:
    """The chart of ``stats.units`` (a note in place of bars when there is nothing)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    units = stats.units
    height = max(MIN_HEIGHT_INCHES, 2.2 + ROW_INCHES * len(units))
    with rc_context({"font.family": "sans-serif", "font.sans-serif": [FONT], "font.size": 11}):
        figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        title = f"{vi_quarter(stats.quarter)} — {scope_title(stats)}"
        axes.set_title(
            _nfc(f"{title}\nTiếp công dân, tiếp xúc cử tri, giám sát: kết quả theo đơn vị"),
            fontsize=13,
            loc="left",
        )
        if units:
            _bars(axes, stats)
        else:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "Chưa có lịch phân công trong quý", ha="center", va="center")
        figure.tight_layout(rect=(0.0, LEGEND_INCHES / height, 1.0, 1.0))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _bars(axes: Any, stats: Statistics) -> None:
    from matplotlib.ticker import MaxNLocator

    units = stats.units
    labels = [_nfc(unit_label(line.unit)) for line in units]
    series = (
        (VI_HELD, [line.counts.held for line in units]),
        (VI_NOT_HELD, [line.counts.not_held for line in units]),
        (VI_UNREPORTED, [line.counts.unreported for line in units]),
    )
    positions = list(range(len(units)))
    left = [0] * len(units)
    largest = max((sum(values) for values in zip(*(v for _n, v in series), strict=True)), default=0)
    for (name, values), color in zip(series, COLORS, strict=True):
        bars = axes.barh(positions, values, left=left, color=color, label=name, height=0.65)
        shown = [str(v) if largest and v >= largest * 0.04 else "" for v in values]
        axes.bar_label(bars, labels=shown, label_type="center", color="white", fontsize=9)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, labels)
    axes.set_ylim(max(len(units), MIN_ROWS) - 0.5, -0.5)  # first unit at the top
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Lượt đại biểu")
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.figure.legend(loc="lower center", ncols=3, frameon=False)
