"""What the office reads after «Nhắc báo cáo»: sent, deferred by quiet hours, already
done, or nobody reachable; and who to call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import get_translator
from bot.messages.missing import nudge_text
from bot.services.reports.nudges import Nudged

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 23:00 in Hà Nội
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("nudged", "expected"),
    [
        (Nudged(3, 2, 3, 0, NOW), "Đã nhắc 2 đại biểu (3 lượt chưa báo cáo)."),
        (
            Nudged(1, 1, 1, 0, NOW + timedelta(hours=8)),
            "Đã nhắc 1 đại biểu (1 lượt chưa báo cáo). "
            "Tin nhắc sẽ đến lúc 7h00 ngày 08/12/2026 (ban đêm bot không nhắn tin).",
        ),
        (
            Nudged(0, 0, 2, 1, NOW),
            "Hôm nay các đại biểu trong danh sách đều đã được nhắc (mỗi ngày một lần). "
            "1 lượt của đại biểu chưa liên kết hoặc đã chặn bot: đồng chí gọi điện nhắc.",
        ),
        (
            Nudged(0, 0, 0, 2, NOW),
            "Không gửi được lời nhắc nào. "
            "2 lượt của đại biểu chưa liên kết hoặc đã chặn bot: đồng chí gọi điện nhắc.",
        ),
        (Nudged(0, 0, 0, 0, NOW), "Không có gì để nhắc: không có báo cáo nào quá hạn."),
    ],
)
def test_the_answer_says_what_happened(nudged: Nudged, expected: str) -> None:
    assert nudge_text(nudged, NOW, ZONE, "vi", get_translator("vi")) == expected


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_longest_answer_fits_an_alert(language: str) -> None:
    """An alert holds 200 characters (answerCallbackQuery): the longest case, with
    four-digit counts, deferred and with delegates to call, still fits."""
    longest = Nudged(9999, 9999, 9999, 9999, NOW + timedelta(hours=8))
    assert len(nudge_text(longest, NOW, ZONE, language, get_translator(language))) <= 200
