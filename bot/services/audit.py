"""Append-only audit trail of what changed and who did it."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditEntry


def record(
    session: AsyncSession, *, actor: str, action: str, at: datetime, **details: object
) -> None:
    """Adds an entry to the caller's transaction; details must not hold phone numbers or tokens."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
            at=at,
        )
    )
