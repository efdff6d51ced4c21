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
        (Nudged(3, 2, 3, 0, NOW), "Đã gửi lời nhắc: 3 lượt hoạt động, đến 2 đại biểu."),
        (
            Nudged(1, 1, 1, 0, NOW + timedelta(hours=8)),
            "Đã gửi lời nhắc: 1 lượt hoạt động, đến 1 đại biểu. "
            "Lời nhắc sẽ đến lúc 7h00 ngày 08/12/2026, sau giờ nghỉ.",
        ),
        (
            Nudged(0, 0, 2, 1, NOW),
            "Không gửi thêm: các đại biểu trong danh sách đã được nhắc hôm nay. 1 lượt là của "
            "đại biểu bot không liên lạc được (chưa liên kết hoặc đã chặn bot): đề nghị Văn "
            "phòng gọi điện trực tiếp.",
        ),
        (
            Nudged(0, 0, 0, 2, NOW),
            "Bot không liên lạc được với đại biểu nào trong danh sách. 2 lượt là của đại biểu "
            "bot không liên lạc được (chưa liên kết hoặc đã chặn bot): đề nghị Văn phòng gọi "
            "điện trực tiếp.",
        ),
        (Nudged(0, 0, 0, 0, NOW), "Không có gì để nhắc: không có báo cáo nào quá hạn."),
    ],
)
def test_the_answer_says_what_happened(nudged: Nudged, expected: str) -> None:
    assert nudge_text(nudged, NOW, ZONE, "vi", get_translator("vi")) == expected
