"""Every kind of outbox row the dispatcher can send, in one place."""

from __future__ import annotations

from typing import Any

from bot.services.outbox.rows import OutboxKind
from jobs.availability_kinds import AVAILABILITY_KINDS
from jobs.broadcast_kinds import BROADCAST_KINDS
from jobs.menu_kinds import MENU_RESET
from jobs.outbox_kinds import NOTICE_KINDS, KindSpec, build_registry
from jobs.petition_answers import PETITION_ANSWER
from jobs.report_prompts import REPORT_PROMPT

REGISTRY: dict[OutboxKind, KindSpec[Any]] = build_registry(
    (
        *NOTICE_KINDS,
        REPORT_PROMPT,
        *BROADCAST_KINDS,
        MENU_RESET,
        *AVAILABILITY_KINDS,
        PETITION_ANSWER,
    )
)
