"""One report per occurrence carries the figures: the rule, over plain report contents.

When several delegates share one occurrence, its figures are given once: exactly one
report carries them and the others confirm attendance, so no sum counts the occurrence
twice. The newest report that gives figures takes them over; when the carrier says the
meeting did not take place after all, a co-attendee who reported it held inherits them.

:func:`apply_report` is the whole rule. It is used by a delegate's report in the bot
(one report at a time) and by ``reports import`` (a file's reports applied in memory,
then written at once), so both follow the same rule.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from bot.domain.reports import Figures

FIGURE_FIELDS = ("citizens", "petitions", "forwarded", "voters", "opinions")
Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Content:
    """What one report says, as each of its stored versions records it."""

    held: bool
    reason: str | None = None
    note: str = ""
    carries_figures: bool = False
    citizens: int | None = None
    petitions: int | None = None
    forwarded: int | None = None
    voters: int | None = None
    opinions: int | None = None

    def figures(self) -> Figures:
        return Figures(**{name: getattr(self, name) for name in FIGURE_FIELDS}, note=self.note)

    def without_figures(self) -> Content:
        """Attendance only: the figures have moved to another report."""
        return replace(
            self,
            carries_figures=False,
            citizens=None,
            petitions=None,
            forwarded=None,
            voters=None,
            opinions=None,
        )

    def with_figures_of(self, other: Content) -> Content:
        """This report carries ``other``'s figures (its own note stays)."""
        return replace(
            self, carries_figures=True, **{name: getattr(other, name) for name in FIGURE_FIELDS}
        )

    def as_dict(self) -> dict[str, Any]:
        # Flat fields: a comprehension, not ``dataclasses.asdict`` (a deep copy, and a
        # third of a bulk import's time when every report gets a version).
        return {name: getattr(self, name) for name in _CONTENT_FIELDS}


_CONTENT_FIELDS = tuple(field.name for field in fields(Content))


def gives_figures(figures: Figures | None) -> bool:
    """Whether a report (or a file's row) gives any figure, ``forwarded`` alone included.

    Saving such a report makes it its occurrence's carrier, so a file may give one per
    occurrence: a co-attendee's ``forwarded = 0`` would otherwise replace the carrier's
    citizens and petitions with nothing.
    """
    return figures is not None and any(getattr(figures, name) is not None for name in FIGURE_FIELDS)


def desired(
    *,
    held: bool,
    reason: str | None,
    figures: Figures | None,
    note: str,
    existing: Content | None,
) -> Content:
    """A report's content after a delegate (or a row of a file) says this about it.

    ``figures`` None with ``held``: attendance only; a report that carried the figures
    keeps them (attendance confirmed again).
    """
    given = figures if held else None
    if held and given is None and existing is not None and existing.carries_figures:
        given = existing.figures()
    return Content(
        held=held,
        reason=None if held else reason,
        note=given.note if given is not None else note,
        carries_figures=given is not None,
        **{name: getattr(given, name) if given else None for name in FIGURE_FIELDS},
    )


def apply_report(
    reports: Sequence[tuple[Key, Content]], key: Key, wanted: Content
) -> list[tuple[Key, Content]]:
    """The changes that saving ``wanted`` as report ``key`` makes to an occurrence.

    ``reports`` are the occurrence's reports (keyed, e.g. by assignment) in the order
    they were first saved. Returns each changed report's new content, in the order they
    must be written, each change being one new version: a displaced carrier first (so
    that the occurrence never has two carriers, not even within one write), then
    ``key`` itself, then an heir. Empty when ``wanted`` changes nothing.
    """
    before = next((content for k, content in reports if k == key), None)
    if before == wanted:
        return []
    others = [(k, content) for k, content in reports if k != key]
    changes: list[tuple[Key, Content]] = []
    if wanted.carries_figures:
        # A correction by a co-attendee replaces the figures.
        changes += [(k, c.without_figures()) for k, c in others if c.carries_figures]
    changes.append((key, wanted))
    if before is not None and before.carries_figures and not wanted.carries_figures:
        heir = next(((k, c) for k, c in others if c.held), None)
        if heir is not None:  # the figures of a meeting that did happen are not dropped
            changes.append((heir[0], heir[1].with_figures_of(before)))
    return changes
