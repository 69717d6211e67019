"""Scheduled jobs and the import command."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Department
from pengcheng.licences import services, tasks
from pengcheng.licences.models import IssuerKey, Licence
from pengcheng.notifications.models import Notification
from pengcheng.testing import make_citizen


def test_holders_are_reminded_once_before_expiry(residence_permit, holder, permit_data) -> None:
    start = timezone.now() - dt.timedelta(days=30)
    services.issue_licence(
        SYSTEM,
        residence_permit,
        holder,
        permit_data,
        valid_from=start,
        valid_until=timezone.now() + dt.timedelta(days=10),
        source="import",
    )
    assert tasks.remind_expiring() == 1
    assert tasks.remind_expiring() == 0
    assert Notification.objects.filter(recipient=holder, subject__contains="深圳经济特区居住证").exists()


def test_retired_keys_stay_published_until_no_licence_needs_them(residence_permit, holder, permit_data) -> None:
    department = Department.objects.get(code="440300-GAJ")
    licence = services.issue_licence(SYSTEM, residence_permit, holder, permit_data)
    services.rotate_key(SYSTEM, department)
    old = IssuerKey.objects.get(kid=licence.kid)
    assert tasks.withdraw_retired_keys() == 0  # the licence is in force
    Licence.objects.filter(kid=old.kid).update(valid_until=timezone.now() - dt.timedelta(days=1))
    assert tasks.withdraw_retired_keys() >= 1
    old.refresh_from_db()
    assert old.withdrawn_at is not None


def test_import_command_reports_rows(demo_city, tmp_path) -> None:
    person = make_citizen(full_name="赵六")
    path = tmp_path / "wfzm.csv"
    path.write_text(
        "holder_identifier,holder_name,name,id_number\n"
        f"{person.id_number},赵六,赵六,{person.id_number}\n"
        "123,坏,坏,123\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_licences", "GA-WFZM", str(path), stdout=out)
    text = out.getvalue()
    assert "2 rows: 1 issued, 1 rejected" in text and "wfzm.csv:3:" in text


def test_a_broken_schema_is_refused_by_the_admin_form(residence_permit) -> None:
    import pytest
    from django.core.exceptions import ValidationError

    residence_permit.schema = {"type": "object", "properties": {"x": {"type": "no-such-type"}}}
    with pytest.raises(ValidationError):
        residence_permit.clean()
    residence_permit.schema = {"type": "string"}
    with pytest.raises(ValidationError):
        residence_permit.clean()
