"""Who sees a register item's personal data (citizen, summary): the receiving delegate and
the secretaries of its council, nobody else — as a matrix."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.models import Delegate
from bot.models.petitions import Petition
from bot.services.delegates.accounts import Identity
from bot.services.petitions.items import may_see

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OWN, OTHER = 1, 2  # council ids
PETITION = Petition(
    id=9,
    council_id=OWN,
    ref="1/2026",
    source="reception",
    received_on=date(2026, 12, 1),
    delegate_id=10,
    type="complaint",
    summary="Nguyễn Văn Dũng: tranh chấp đất",
    citizen="Nguyễn Văn Dũng, thôn Đông",
    created_at=NOW,
    updated_at=NOW,
)


def _record(id: int, council: int, role: str = "delegate") -> Delegate:
    return Delegate(
        id=id,
        code=f"D{id}",
        full_name="x",
        council_id=council,
        level="commune",
        role=role,
        created_at=NOW,
        updated_at=NOW,
    )


def _who(*records: Delegate, admin: bool = False) -> Identity:
    return Identity(telegram_user_id=1, delegates=records, is_admin=admin, language="vi")


@pytest.mark.parametrize(
    ("identity", "sees"),
    [
        pytest.param(_who(_record(10, OWN)), True, id="the receiving delegate"),
        pytest.param(_who(_record(20, OWN, "secretary")), True, id="the council's office"),
        pytest.param(_who(_record(11, OWN)), False, id="a co-attendee of the same council"),
        pytest.param(_who(_record(21, OTHER, "secretary")), False, id="another council's office"),
        pytest.param(_who(admin=True), False, id="an admin without a record"),
        pytest.param(
            _who(_record(22, OTHER, "secretary"), admin=True),
            False,
            id="an admin of another council",
        ),
        pytest.param(
            _who(_record(12, OTHER), _record(23, OWN, "secretary")),
            True,
            id="a delegate elsewhere who is this council's office",
        ),
        pytest.param(_who(_record(13, OTHER)), False, id="a delegate of another council"),
    ],
)
def test_who_sees_personal_data(identity: Identity, sees: bool) -> None:
    assert may_see(identity, PETITION) is sees


def test_the_register_is_kept_by_secretary_records_only() -> None:
    assert _who(_record(10, OWN), _record(21, OTHER, "secretary")).office.own == {OTHER}
    assert _who(admin=True).office.own == frozenset()


def test_a_parent_councils_office_does_not_see_a_childs_personal_data() -> None:
    province = 3
    parent_office = Identity(
        telegram_user_id=1,
        delegates=(_record(30, province, "secretary"),),
        is_admin=False,
        language="vi",
        councils={province: None, OWN: province, OTHER: province},
    )
    assert parent_office.office.may_reach(OWN)
    assert may_see(parent_office, PETITION) is False
