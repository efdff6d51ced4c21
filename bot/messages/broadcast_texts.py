"""Texts, buttons and callback data of secretariat broadcasts.

Every callback of the feature starts with ``bc:`` and stays far below Telegram's 64
bytes: ids are numbers, units travel as an index into the draft's stored list.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.domain.broadcasts import FailureReason, Target, TargetKind, progress_bar
from bot.domain.buttons import (
    AcknowledgeButton,
    BroadcastReportButton,
    BroadcastWorkbookButton,
    CancelBroadcastButton,
    ConfirmBroadcastButton,
    CorrectionButton,
    DeadlineButton,
    NameList,
    NamesButton,
    UnreachableButton,
)
from bot.domain.callbacks import encode
from bot.domain.dates import format_moment
from bot.domain.keyboards import Button
from bot.i18n import N_, Gettext
from bot.messages.keyboards import inline_markup
from bot.models import Broadcast
from bot.services.broadcasts.drafts import Audience
from bot.services.broadcasts.progress import Progress

DEADLINE_CHOICES = (24, 72, 168)
CLASSIFIED_WARNING_MARK = "⚠️ "
CLASSIFIED_WARNING = N_("Do not send classified (Mật) documents through Telegram.")

REASONS: dict[FailureReason, str] = {
    FailureReason.blocked: N_("blocked the bot {count}"),
    FailureReason.not_linked: N_("never linked {count}"),
    FailureReason.inactive: N_("no longer active {count}"),
    FailureReason.source_deleted: N_("original notice deleted {count}"),
    FailureReason.other: N_("other errors {count}"),
}
REASON_NAMES: dict[str, str] = {
    FailureReason.blocked.value: N_("blocked the bot"),
    FailureReason.not_linked.value: N_("never linked"),
    FailureReason.inactive.value: N_("no longer active"),
    FailureReason.source_deleted.value: N_("original notice deleted"),
    FailureReason.other.value: N_("could not be delivered"),
    "delivered": N_("delivered"),
    "pending": N_("being sent"),
}
LEVELS = {
    "province": N_("province"),
    "district": N_("district"),
    "commune": N_("commune"),
}


def ack_data(recipient_id: int) -> str:
    return encode(AcknowledgeButton(recipient_id))


def ack_button(recipient_id: int, _: Gettext) -> Button:
    return Button(_("Received"), ack_data(recipient_id))


def moment(at: datetime, zone: ZoneInfo, language: str) -> str:
    """``8h14 ngày 07/12/2026``: every time on a broadcast screen (bot.domain.dates)."""
    return format_moment(at.astimezone(zone), language)


def acknowledged_label(at: datetime, zone: ZoneInfo, _: Gettext, language: str = "vi") -> str:
    # With its date: the button may be pressed days after the notice.
    return _("✅ Received at {time}").format(time=moment(at, zone, language))


_PLACE_WORDS = ("Xã ", "Phường ", "Thị trấn ", "Đặc khu ", "Tỉnh ", "Thành phố ")


def in_sentence(unit: str) -> str:
    """``Xã Mỹ Lộc`` → ``xã Mỹ Lộc``: a unit's name inside a sentence (other names as
    written)."""
    return unit[:1].lower() + unit[1:] if unit.startswith(_PLACE_WORDS) else unit


def office_only(target: Target | None) -> bool:
    """The office's own accounts (``secretaries``): people who are not delegates."""
    return target is not None and target.kind is TargetKind.secretaries


def recipients_phrase(count: int, target: Target | None, _: Gettext) -> str:
    """``24 đại biểu``, or ``2 người`` when the audience is the office's own accounts."""
    if office_only(target):
        return _("{count} person(s)").format(count=count)
    return _("{count} delegate(s)").format(count=count)


def target_label(target: Target, _: Gettext) -> str:
    """Who a broadcast is for, in words (already HTML-escaped)."""
    label = _target_words(target, _)
    if target.children:
        return _("{target} of the councils under it").format(target=label)
    return label


def _target_words(target: Target, _: Gettext) -> str:
    match target.kind:
        case TargetKind.all:
            return _("all delegates")
        case TargetKind.secretaries:
            return _("the council secretariat")
        case TargetKind.standing:
            return _("the Standing Committee")
        case TargetKind.group:
            return _("the delegates of {group}").format(group=escape(target.value))
        case TargetKind.committee:
            return _("the members of {committee}").format(committee=escape(target.value))
        case TargetKind.level:
            return _("{level}-level delegates").format(level=_(LEVELS.get(target.value, "")))
        case TargetKind.unit:
            return _("unit {unit}").format(unit=escape(in_sentence(target.value)))
        case TargetKind.correction:
            return _("correction of notice #{number}").format(number=target.corrects_id)
        case _:
            shown = ", ".join(escape(code) for code in target.codes[:8])
            if len(target.codes) > 8:
                shown += ", …"
            return _("delegates {codes}").format(codes=shown)


def reasons_text(reasons: Counter[FailureReason], _: Gettext) -> str:
    """``blocked the bot 2, never linked 1`` (non-zero reasons only, in a fixed order)."""
    return ", ".join(
        _(message).format(count=reasons[reason])
        for reason, message in REASONS.items()
        if reasons[reason]
    )


def progress_text(
    number: int, label: str, progress: Progress, _: Gettext, *, target: Target | None = None
) -> str:
    """The confirmation message while the copies go out, and its final summary (``target``
    only names who received it: delegates, or the office's people)."""
    # One denominator on every screen: everyone targeted, reachable or not.
    header = _("📢 Notice #{number} to {audience}").format(number=number, audience=label)
    if not progress.finished:
        line = _("Sending {bar} {delivered}/{total}").format(
            bar=progress_bar(progress.delivered, progress.targeted),
            delivered=progress.delivered,
            total=progress.targeted,
        )
        errors = sum(progress.failed.values())
        if errors:
            line += " · " + _("errors {count}").format(count=errors)
        return f"{header}\n{line}"
    sent = (
        _("✅ Sent: {delivered}/{total} people received it.")
        if office_only(target)
        else _("✅ Sent: {delivered}/{total} delegates received it.")
    )
    line = sent.format(delivered=progress.delivered, total=progress.targeted)
    missing = progress.not_delivered
    if missing:
        line += " " + _("Could not be sent: {count} ({reasons}).").format(
            count=sum(missing.values()), reasons=reasons_text(missing, _)
        )
    return "\n".join([header, line, *kept_lines(progress, _)])


def kept_lines(progress: Progress, _: Gettext) -> list[str]:
    """Says so when the original was deleted and copies went from the kept notice."""
    if not progress.from_kept:
        return []
    return [
        _(
            "⚠️ The original notice was deleted: {count} copies were sent from the text "
            "kept when it arrived."
        ).format(count=progress.from_kept)
    ]


def deadline_text(deadline: timedelta, _: Gettext) -> str:
    hours = int(deadline.total_seconds() // 3600)
    if hours and hours % 24 == 0:
        return _("{count} day(s)").format(count=hours // 24)
    if hours:
        return _("{count} hour(s)").format(count=hours)
    return _("{count} minute(s)").format(count=int(deadline.total_seconds() // 60))


def preview_text(
    audience: Audience, deadline: timedelta | None, _: Gettext, *, has_file: bool = False
) -> str:
    lines = [
        _("<b>Preview</b> of the notice above, for {audience} of {council}.").format(
            audience=target_label(audience.target, _), council=escape(audience.council_name)
        ),
        _("Will receive it: {people}.").format(
            people=recipients_phrase(len(audience.reachable), audience.target, _)
        ),
    ]
    if audience.cannot:
        reasons = Counter(reason for _person, reason in audience.cannot)
        lines.append(
            _("Cannot receive it: {count} ({reasons}).").format(
                count=len(audience.cannot), reasons=reasons_text(reasons, _)
            )
        )
    if deadline is not None:
        lines.append(
            _("Acknowledgement deadline: {deadline} after sending; then one reminder.").format(
                deadline=deadline_text(deadline, _)
            )
        )
    if not audience.reachable:
        lines.append(_("None of them can receive it now: there is nothing to send."))
        return "\n".join(lines)
    each = (
        _(
            "Each of them gets a copy of your message with a «Received» button. "
            "Nothing is sent before you press «Send to {count} people»."
        )
        if office_only(audience.target)
        else _(
            "Each delegate gets a copy of your message with a «Received» button. "
            "Nothing is sent before you press «Send to {count} delegates»."
        )
    )
    lines.append(each.format(count=len(audience.reachable)))
    if has_file:
        lines.append(CLASSIFIED_WARNING_MARK + _(CLASSIFIED_WARNING))
    return "\n".join(lines)


def preview_markup(
    broadcast_id: int, audience: Audience, _: Gettext, deadline: timedelta | None = None
) -> InlineKeyboardMarkup:
    # Nobody who can receive it: nothing to confirm, only to cancel (and see who and why).
    confirm = encode(ConfirmBroadcastButton(broadcast_id))
    send = (
        _("Send to {count} people")
        if office_only(audience.target)
        else _("Send to {count} delegates")
    ).format(count=len(audience.reachable))
    first = (Button(send, confirm),) if audience.reachable else ()
    cancel = Button(_("Cancel"), encode(CancelBroadcastButton(broadcast_id)))
    rows: list[tuple[Button, ...]] = [(*first, cancel)]
    if audience.cannot:
        rows.append(
            (
                Button(
                    _("Who cannot receive it ({count})").format(count=len(audience.cannot)),
                    encode(UnreachableButton(broadcast_id)),
                ),
            )
        )
    # Two rows that fit a phone, the current choice marked.
    chosen = int(deadline.total_seconds() // 3600) if deadline is not None else 0
    deadlines = [
        Button(
            ("✔ " if hours == chosen else "")
            + (
                _("⏰ {deadline}").format(deadline=deadline_text(timedelta(hours=hours), _))
                if hours
                else _("No deadline")
            ),
            encode(DeadlineButton(broadcast_id, hours)),
        )
        for hours in (*DEADLINE_CHOICES, 0)
    ]
    rows += [tuple(deadlines[:2]), tuple(deadlines[2:])]
    return inline_markup(rows)


def report_keyboard(broadcast_id: int, _: Gettext) -> tuple[tuple[Button, ...], ...]:
    """Under the final progress line: the way to the broadcast's report."""
    return ((Button(_("📊 Report"), encode(BroadcastReportButton(broadcast_id))),),)


def report_markup(broadcast_id: int, _: Gettext) -> InlineKeyboardMarkup:
    return inline_markup(report_keyboard(broadcast_id, _))


def report_text(
    broadcast: Broadcast,
    label: str,
    progress: Progress,
    zone: ZoneInfo,
    _: Gettext,
    language: str = "vi",
) -> str:
    sent = broadcast.confirmed_at or broadcast.created_at
    lines = [
        _("📢 Notice #{number} to {audience}, sent {time}.").format(
            number=broadcast.id, audience=label, time=moment(sent, zone, language)
        ),
        _("Delivered: {delivered}/{total}").format(
            delivered=progress.delivered, total=progress.targeted
        ),
    ]
    if progress.pending:
        lines.append(_("Still being sent: {count}").format(count=progress.pending))
    missing = progress.not_delivered
    if missing:
        lines.append(
            _("Could not be sent: {count} ({reasons})").format(
                count=sum(missing.values()), reasons=reasons_text(missing, _)
            )
        )
    lines += kept_lines(progress, _)
    lines.append(
        _("Acknowledged: {count} · not acknowledged: {missing}").format(
            count=progress.acknowledged, missing=progress.not_acknowledged
        )
    )
    if broadcast.ack_deadline is not None:
        lines.append(
            _("Acknowledgement deadline: {time}").format(
                time=moment(broadcast.ack_deadline, zone, language)
            )
        )
    return "\n".join(lines)


def report_detail_markup(broadcast_id: int, _: Gettext) -> InlineKeyboardMarkup:
    def names(which: NameList) -> str:
        return encode(NamesButton(broadcast_id, which))

    return inline_markup((
        (Button(_("Not acknowledged"), names(NameList.not_acknowledged)),
         Button(_("Acknowledged"), names(NameList.acknowledged))),
        (Button(_("Not delivered"), names(NameList.failed)),
         Button(_("📄 XLSX"), encode(BroadcastWorkbookButton(broadcast_id)))),
        (Button(_("✏️ Send a correction"), encode(CorrectionButton(broadcast_id))),),
    ))  # fmt: skip


def recent_line(broadcast: Broadcast, label: str, progress: Progress, zone: ZoneInfo,
                _: Gettext, language: str = "vi") -> str:  # fmt: skip
    sent = broadcast.confirmed_at or broadcast.created_at
    return _(
        "#{number} {time} · {audience}: delivered {delivered}/{total}, failed {failed}, "
        "acknowledged {acknowledged}"
    ).format(
        number=broadcast.id,
        time=moment(sent, zone, language),
        audience=label,
        delivered=progress.delivered,
        total=progress.targeted,
        failed=sum(progress.not_delivered.values()),
        acknowledged=progress.acknowledged,
    )
