"""Realistic demos for trying the bot, each with a quarter of schedule around today.

The demo of 2026 (:func:`seed_province_demo`, modules ``province`` and
``province_schedule``) is a province council and the commune, ward and special-zone
councils under it, after the 2025 reform. The dated example (:func:`seed_demo`, modules
``roster`` and ``schedule``) is a district of 2022, as the seed describes one.

``seed_demo`` writes a roster and a schedule as ordinary CSV files and imports them with
:func:`~bot.services.delegates.roster.import_roster` and
:func:`~bot.services.schedule.imports.import_schedule`,
so the demo passes the same validation as a secretariat's own files (any problem is a bug
here and raises :class:`DemoError`). Everything is deterministic: the roster is the same on
every run and the schedule depends only on the quarter that contains ``now``, so seeding
twice in one quarter leaves the database exactly as it was.

The demo council (``HDND-DEMO``, district level, historical data style) has 18 units
(communes and towns), 35 district delegates elected in 9 constituencies of two units each
(two of them, ``DEMO-H-001`` and ``DEMO-H-002``, have the role ``secretary``, as the
bot's managers did before titles were read: ``all`` in a schedule no longer assigns them,
receptions of their unit and events naming them do), and
491 commune delegates in 18 commune councils ``HDND-DEMO-X01`` … ``HDND-DEMO-X18``.
"""

from __future__ import annotations

from bot.services.demo.roster import (
    COMMUNE_DELEGATES,
    DISTRICT_COUNCIL,
    DISTRICT_DELEGATES,
    DISTRICT_NAME,
    SECRETARY_CODES,
    UNITS,
    RosterRow,
    build_roster,
    commune_council,
    council_names,
)
from bot.services.demo.schedule import RECEPTION_DAYS, ScheduleRow, build_schedule, quarter_of
from bot.services.demo.seed import (
    DEMO_ACTOR,
    ROSTER_FILE,
    SCHEDULE_FILE,
    DemoError,
    DemoResult,
    seed_demo,
    seed_province_demo,
)

__all__ = [
    "COMMUNE_DELEGATES",
    "DEMO_ACTOR",
    "DISTRICT_COUNCIL",
    "DISTRICT_DELEGATES",
    "DISTRICT_NAME",
    "RECEPTION_DAYS",
    "ROSTER_FILE",
    "SCHEDULE_FILE",
    "SECRETARY_CODES",
    "UNITS",
    "DemoError",
    "DemoResult",
    "RosterRow",
    "ScheduleRow",
    "build_roster",
    "build_schedule",
    "commune_council",
    "council_names",
    "quarter_of",
    "seed_demo",
    "seed_province_demo",
]
