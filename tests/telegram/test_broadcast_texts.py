"""The contract's progress texts, and every broadcast callback within Telegram's 64 bytes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.broadcasts import FailureReason, Target, TargetKind
from bot.domain.buttons import CouncilButton, StopComposingButton, UnitButton
from bot.domain.callbacks import MAX_ID, decode, encode
from bot.i18n import get_translator
from bot.messages import broadcast_texts as texts
from bot.services.broadcasts.drafts import Audience, Person
from bot.services.broadcasts.progress import Progress

VI = get_translator("vi")
BIG = MAX_ID  # the largest id the codec accepts


def test_progress_while_sending_and_at_the_end() -> None:
    label = texts.target_label(Target(TargetKind.all), VI)
    sending = Progress(total=526, delivered=268, pending=256,
                       failed=Counter({FailureReason.blocked: 2}))  # fmt: skip
    assert texts.progress_text(7, label, sending, VI).splitlines() == [
        "📢 Tin thông báo #7 gửi tất cả đại biểu",
        "Đang gửi ▓▓▓▓▓░░░░░ 268/526 · 2 lỗi",
    ]
    done = Progress(total=526, delivered=526, skipped=Counter(
        {FailureReason.blocked: 2, FailureReason.not_linked: 1}))  # fmt: skip
    # one denominator: everyone targeted, those who could not receive it included
    assert texts.progress_text(7, label, done, VI).splitlines()[-1] == (
        "✅ Đã gửi xong: 526/529 đại biểu nhận được. "
        "Không gửi được 3: 2 đã chặn bot, 1 chưa liên kết."
    )


def test_times_read_as_the_office_writes_them() -> None:
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    at = datetime(2026, 12, 7, 1, 14, tzinfo=UTC)
    assert texts.moment(at, zone, "vi") == "8h14 ngày 07/12/2026"
    assert texts.moment(at, zone, "en") == "08:14 on 07/12/2026"
    assert texts.acknowledged_label(at, zone, VI) == "✅ Đã nhận lúc 8h14 ngày 07/12/2026"


def test_a_unit_reads_in_lower_case_inside_the_sentence() -> None:
    unit = texts.target_label(Target(TargetKind.unit, "Xã Mỹ Lộc"), VI)
    assert unit == "đại biểu đơn vị xã Mỹ Lộc"


def test_new_targets_read_in_words() -> None:
    assert texts.target_label(Target(TargetKind.standing), VI) == "Thường trực HĐND"
    group = texts.target_label(Target(TargetKind.group, "Tổ đại biểu số 1"), VI)
    assert group == "đại biểu Tổ đại biểu số 1"
    both = texts.target_label(Target(TargetKind.standing, children=True), VI)
    assert both == "Thường trực HĐND của các HĐND cấp dưới"
    assert texts.target_label(Target(TargetKind.secretaries), VI) == "Văn phòng (quản trị bot)"


def test_labels_escape_what_users_wrote() -> None:
    unit = texts.target_label(Target(TargetKind.unit, "<b>Xã</b> & Co"), VI)
    assert unit == "đại biểu đơn vị &lt;b&gt;Xã&lt;/b&gt; &amp; Co"
    codes = texts.target_label(Target(TargetKind.codes, codes=("<A>",)), VI)
    assert "&lt;A&gt;" in codes


def test_every_callback_fits_in_64_bytes() -> None:
    person = Person(1, "ML-1", "A", "")
    audience = Audience(1, "HĐND", Target(TargetKind.all), (person,),
                        ((person, FailureReason.blocked),))  # fmt: skip
    markups = [
        texts.preview_markup(BIG, audience, VI),
        texts.report_markup(BIG, VI),
        texts.report_detail_markup(BIG, VI),
    ]
    data = [b.callback_data for m in markups for row in m.inline_keyboard for b in row]
    data += [texts.ack_data(BIG), encode(UnitButton(BIG)), encode(CouncilButton(BIG)),
             encode(StopComposingButton())]  # fmt: skip
    assert all(isinstance(d, str) and d.startswith("bc:") and decode(d) is not None for d in data)
    assert max(len(str(d).encode()) for d in data) <= 64


def test_the_office_accounts_are_counted_as_people_not_delegates() -> None:
    office = Person(1, "VP-1", "Cán bộ Văn phòng", "")
    audience = Audience(1, "HĐND xã Mỹ Hưng", Target(TargetKind.secretaries), (office,), ())
    preview = texts.preview_text(audience, None, VI)
    assert "Sẽ nhận: 1 người." in preview
    assert "đại biểu" not in preview
    assert "bấm «Gửi cho 1 người»" in preview
    (send, _cancel), *_rest = texts.preview_markup(1, audience, VI).inline_keyboard
    assert send.text == "Gửi cho 1 người"
    done = Progress(total=1, delivered=1)
    label = texts.target_label(audience.target, VI)
    final = texts.progress_text(7, label, done, VI, target=audience.target).splitlines()[-1]
    assert final == "✅ Đã gửi xong: 1/1 người nhận được."
    # delegates are still delegates
    delegates = Audience(1, "HĐND xã Mỹ Hưng", Target(TargetKind.all), (office,), ())
    assert "Sẽ nhận: 1 đại biểu." in texts.preview_text(delegates, None, VI)
    assert texts.recipients_phrase(2, Target(TargetKind.all), VI) == "2 đại biểu"
    assert texts.recipients_phrase(2, Target(TargetKind.secretaries), VI) == "2 người"
