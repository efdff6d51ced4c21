"""The page's texts, from the bot's gettext catalogs (``GET /app/strings.json?lang=…``).

Keys are what ``app.js`` asks for; values are message ids, so the Vietnamese catalog
(checked complete by ``tests/test_i18n.py``) translates the page as it does the bot.
"""

from __future__ import annotations

from bot.domain.petitions import DUE_SOON_DAYS
from bot.i18n import N_, get_translator, normalize_language

PAGE_STRINGS: dict[str, str] = {
    "title_office": N_("Dashboard"),
    "title_delegate": N_("My calendar"),
    "tab_calendar": N_("Calendar"),
    "tab_missing": N_("Not reported"),
    "tab_broadcasts": N_("Notices"),
    "tab_stats": N_("Statistics"),
    "tab_mine": N_("My calendar"),
    "tab_petitions": N_("Petitions"),
    "nothing_petitions": N_("No forwarded item is overdue or due within {days} days."),
    "petitions_overdue": N_("Overdue answers: {count}"),
    "petitions_due_soon": N_("Answers due within {days} days: {count}"),
    "due_on": N_("due {day}"),
    "received_by": N_("received by {who}"),
    "loading": N_("Loading…"),
    "error_auth": N_("Open this page from the bot's menu button in Telegram."),
    "error_forbidden": N_("This page is for the council office only."),
    "error_unlinked": N_(
        "Your Telegram account is not linked yet. Open the invite link the council office "
        "sent you first."
    ),
    "error_busy": N_("Too many requests. Please wait a minute, then try again."),
    "error_other": N_("Something went wrong. Please try again later."),
    "previous_month": N_("Previous month"),
    "next_month": N_("Next month"),
    "nothing_month": N_("Nothing is scheduled this month."),
    "nothing_missing": N_("Every ended duty has a report."),
    "overdue": N_("overdue"),
    "nothing_broadcasts": N_("No notices yet."),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "acknowledged": N_("acknowledged"),
    "not_acknowledged": N_("Not acknowledged yet"),
    "everyone_acknowledged": N_("Everyone who received it has acknowledged."),
    "previous_quarter": N_("Previous quarter"),
    "next_quarter": N_("Next quarter"),
    "unit": N_("Unit"),
    "held": N_("held"),
    "not_held": N_("not held"),
    "unreported": N_("not reported"),
    "citizens": N_("citizens"),
    "petitions": N_("petitions"),
    "nothing_stats": N_("Nothing was assigned in this quarter."),
    "chart_alt": N_("Held, not held and not reported per unit"),
    "upcoming": N_("Upcoming"),
    "past": N_("Past"),
    "nothing_mine": N_("You have no duties in these weeks."),
    "all_councils": N_("All councils"),
    "state_waiting": N_("waiting"),
    "state_reported": N_("reported"),
    "state_unreported": N_("not reported"),
    "state_not_held": N_("not held"),
    "state_past": N_("took place"),
    "state_released": N_("excused"),
    "state_stand_in": N_("stand-in"),
    "release": N_("Can't attend"),
    "release_why": N_("Why can't you attend?"),
    "reason_clash": N_("Schedule clash"),
    "reason_personal": N_("Illness or personal matter"),
    "reason_other": N_("Other reason"),
    "reason_note": N_("Write the reason"),
    "cancel": N_("Cancel"),
    "released_done": N_("You are excused from this duty"),
    "released_seeking": N_("A stand-in is being sought; you will be told who takes the place."),
    "release_started": N_("This duty has already begun or was cancelled."),
    "release_already": N_("You have already been excused from this duty."),
    "release_gone": N_("This duty no longer exists or is not yours."),
    "kind_reception": N_("citizen reception"),
    "kind_voter_meeting": N_("voter meeting"),
    "kind_session": N_("council session"),
    "kind_deadline": N_("deadline"),
    "kind_supervision": N_("supervision"),
    "kind_other": N_("other"),
}


def page_strings(language: str | None) -> dict[str, str]:
    """Every text of the page in ``language`` (Vietnamese unless ``en``)."""
    language = normalize_language(language)
    _ = get_translator(language)
    # ``{days}`` is the petitions' due-soon window, the number the office query uses.
    days = str(DUE_SOON_DAYS)
    return {
        "lang": language,
        **{key: _(msgid).replace("{days}", days) for key, msgid in PAGE_STRINGS.items()},
    }
