"""One report per occurrence carries the figures: the rule on plain contents."""

from __future__ import annotations

from bot.domain.report_carrier import Content, apply_report, desired
from bot.domain.reports import Figures

TWELVE = Figures(citizens=12, petitions=3, forwarded=1, note="chuyển UBND xã")


def said(
    held: bool = True,
    figures: Figures | None = None,
    reason: str | None = None,
    existing: Content | None = None,
) -> Content:
    return desired(held=held, reason=reason, figures=figures, note="", existing=existing)


CARRIER = said(figures=TWELVE)
ATTENDED = said()


def test_figures_given_make_the_report_their_carrier() -> None:
    assert CARRIER.carries_figures
    assert (CARRIER.citizens, CARRIER.petitions, CARRIER.note) == (12, 3, "chuyển UBND xã")
    assert CARRIER.figures() == TWELVE
    assert apply_report([], "a", CARRIER) == [("a", CARRIER)]


def test_the_same_report_again_changes_nothing() -> None:
    assert apply_report([("a", CARRIER), ("b", ATTENDED)], "a", CARRIER) == []


def test_attendance_confirmed_again_keeps_the_figures() -> None:
    again = said(existing=CARRIER)
    assert again == CARRIER
    assert apply_report([("a", CARRIER)], "a", again) == []


def test_a_co_attendee_confirming_attendance_leaves_the_carrier_alone() -> None:
    assert apply_report([("a", CARRIER)], "b", ATTENDED) == [("b", ATTENDED)]


def test_a_co_attendee_giving_figures_takes_them_over_carrier_first() -> None:
    corrected = said(figures=Figures(citizens=15, petitions=4))
    changes = apply_report([("a", CARRIER), ("b", ATTENDED)], "b", corrected)
    assert changes == [("a", CARRIER.without_figures()), ("b", corrected)]
    released = changes[0][1]
    assert not released.carries_figures
    assert (released.held, released.citizens, released.note) == (True, None, "chuyển UBND xã")


def test_a_carrier_saying_not_held_hands_the_figures_to_the_first_who_held_it() -> None:
    declined = said(held=False, reason="personal", existing=CARRIER)
    assert (declined.carries_figures, declined.reason) == (False, "personal")
    absent = said(held=False, reason="clash")
    changes = apply_report(
        [("a", CARRIER), ("b", absent), ("c", ATTENDED), ("d", ATTENDED)], "a", declined
    )
    assert [key for key, _content in changes] == ["a", "c"]
    heir = changes[1][1]
    assert heir.carries_figures
    assert (heir.citizens, heir.petitions, heir.forwarded) == (12, 3, 1)
    assert heir.note == ""  # the heir's own note stays


def test_figures_of_a_meeting_nobody_else_held_are_dropped() -> None:
    declined = said(held=False, reason="postponed", existing=CARRIER)
    assert apply_report([("a", CARRIER), ("b", said(held=False))], "a", declined) == [
        ("a", declined)
    ]


def test_not_held_drops_figures_and_held_drops_the_reason() -> None:
    assert said(held=False, figures=TWELVE, reason="other").citizens is None
    assert said(held=True, reason="other").reason is None


def test_forwarded_alone_counts_as_giving_figures() -> None:
    """The one-carrier check of a file counts every figure column, ``forwarded`` too: a
    co-attendee's ``forwarded=0`` would otherwise make its row the carrier unnoticed."""
    from bot.domain.report_carrier import gives_figures

    assert gives_figures(Figures(forwarded=0))
    assert gives_figures(Figures(voters=0))
    assert not gives_figures(Figures(note="chỉ ghi chú"))
    assert not gives_figures(None)
