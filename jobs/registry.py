"""Every kind of outbox row the dispatcher can send, in one place."""

from __future__ import annotations

from typing import Any

from bot.services.outbox.rows import OutboxKind
from jobs.availability_kinds import availability_kinds
from jobs.broadcast_kinds import broadcast_kinds
from jobs.menu_kinds import menu_reset_kind
from jobs.outbox_kinds import NOTICE_KINDS, KindSpec, build_registry
from jobs.petition_answers import PETITION_ANSWER
from jobs.report_prompts import REPORT_PROMPT


def registry_for(
    secretariat_name: str = "", admin_ids: frozenset[int] | None = None
) -> dict[OutboxKind, KindSpec[Any]]:
    """The registry of a deployment: ``secretariat_name`` (``Settings.SECRETARIAT_NAME``)
    names the office in the texts that name it (the broadcast deadline's nudge);
    ``admin_ids`` (``Settings.ADMIN_TELEGRAM_IDS``) have the office's menus when a menu
    row goes out (without them, the admin flag each row was planned with)."""
    return build_registry(
        (
            *NOTICE_KINDS,
            REPORT_PROMPT,
            *broadcast_kinds(secretariat_name),
            menu_reset_kind(admin_ids),
            *availability_kinds(secretariat_name),
            PETITION_ANSWER,
        )
    )


REGISTRY: dict[OutboxKind, KindSpec[Any]] = registry_for()
"""Without ``SECRETARIAT_NAME``: each council's office by its level and name."""
