import pytest
from django.db import transaction
from django_q.models import OrmQ, Schedule

from pengcheng.jobs.registry import declared_schedules
from pengcheng.jobs.services import enqueue, sync_schedules


def test_a_job_is_queued_when_the_transaction_commits(db: None, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue("pengcheng.workdays.tasks.warn_missing_years")
        assert OrmQ.objects.count() == 0  # not before the commit
    assert len(callbacks) == 1
    assert OrmQ.objects.count() == 1


def test_a_rolled_back_transaction_queues_nothing(db: None, django_capture_on_commit_callbacks) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue("pengcheng.workdays.tasks.warn_missing_years")
        raise RuntimeError("the request failed")
    assert callbacks == []
    assert OrmQ.objects.count() == 0


def test_apps_declare_their_schedules_and_the_worker_syncs_them(db: None) -> None:
    names = {job.name for job in declared_schedules()}
    assert {"audit.verify_chain", "workdays.warn_missing_years"} <= names
    assert sync_schedules()["created"] == len(names)
    assert set(Schedule.objects.values_list("name", flat=True)) >= names
    again = sync_schedules()
    assert again == {"created": 0, "updated": 0, "removed": 0}
    Schedule.objects.create(name="old.job", func="x.y", schedule_type=Schedule.CRON, cron="* * * * *")
    assert sync_schedules()["removed"] == 1


def test_scheduled_functions_exist() -> None:
    from importlib import import_module

    for job in declared_schedules():
        module, _, name = job.func.rpartition(".")
        assert callable(getattr(import_module(module), name)), job.func
