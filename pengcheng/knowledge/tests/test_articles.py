"""Article lifecycle: draft → published → expired, versions kept on every edit, validity and review
dates, permissions, and the audit trail."""

import datetime as dt

import pytest
from django.utils import timezone

from pengcheng.audit.models import AuditRecord
from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, Conflict, ValidationFailed
from pengcheng.core.models import Role
from pengcheng.knowledge import selectors, services, tasks
from pengcheng.knowledge.models import ArticleStatus
from pengcheng.testing import make_staff

from .conftest import BODIES, article

pytestmark = pytest.mark.django_db


def keys(query: str) -> list[str]:
    return [hit.article.key for hit in selectors.search(query)]


def test_a_draft_is_not_found_until_published_and_expiry_withdraws_it() -> None:
    draft = article(BODIES["fund"], publish=False, key="KB-T1")
    assert draft.status == ArticleStatus.DRAFT and draft.version == 1
    assert "KB-T1" not in keys("租房提取公积金")
    services.publish(SYSTEM, draft)
    assert keys("租房提取公积金")[0] == "KB-T1"
    services.expire(SYSTEM, draft, "policy replaced")
    assert "KB-T1" not in keys("租房提取公积金")
    with pytest.raises(Conflict):
        services.expire(SYSTEM, draft)
    actions = list(AuditRecord.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True))
    assert {"knowledge.created", "knowledge.published", "knowledge.expired"} <= set(actions)


def test_every_edit_keeps_the_previous_version() -> None:
    first = article(BODIES["fund"], key="KB-T2", title="公积金提取")
    changed = services.update_article(
        SYSTEM,
        first,
        services.ArticleInput(body=BODIES["fund"] + "也可到柜台办理。", title="租房提取公积金", variants=["租房提取"]),
        note="加柜台",
    )
    assert changed.version == 2
    versions = list(selectors.versions(changed))
    assert [v.number for v in versions] == [2, 1]
    assert versions[1].body == BODIES["fund"] and versions[1].title == "公积金提取"
    assert versions[0].variants == ["租房提取"] and versions[0].note == "加柜台"


def test_validity_dates_decide_what_is_suggested_and_the_nightly_job_expires() -> None:
    today = timezone.localdate()
    later = article(BODIES["snow"], key="KB-T3", valid_from=today + dt.timedelta(days=3))
    ended = article(BODIES["medical"], key="KB-T4", valid_to=today + dt.timedelta(days=1))
    assert "KB-T3" not in keys("暴雪天气注意什么")
    assert "KB-T3" in [h.article.key for h in selectors.search("暴雪天气", on=today + dt.timedelta(days=3))]
    assert "KB-T4" in keys("异地就医备案")
    assert "KB-T4" not in [h.article.key for h in selectors.search("异地就医备案", on=today + dt.timedelta(days=2))]
    assert services.expire_past_validity(today + dt.timedelta(days=2)) == 1
    ended.refresh_from_db()
    later.refresh_from_db()
    assert ended.status == ArticleStatus.EXPIRED and later.status == ArticleStatus.PUBLISHED
    assert tasks.expire_articles() == 0
    ended.valid_to = today - dt.timedelta(days=1)
    ended.save(update_fields=["valid_to"])
    with pytest.raises(Conflict):  # republishing needs a new validity first
        services.publish(SYSTEM, ended)


def test_review_cycle_and_the_due_list() -> None:
    today = timezone.localdate()
    due = article(BODIES["land"], key="KB-T5", review_days=30)
    due.next_review_on = today - dt.timedelta(days=1)
    due.save(update_fields=["next_review_on"])
    article(BODIES["fund"], key="KB-T6", review_days=30)
    assert [a.key for a in selectors.articles(due=True)] == ["KB-T5"]
    assert selectors.due_count() == 1
    services.mark_reviewed(SYSTEM, due)
    due.refresh_from_db()
    assert due.next_review_on == today + dt.timedelta(days=30)
    assert selectors.due_count() == 0


def test_bad_input_is_refused_with_every_reason() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_article(
            SYSTEM,
            services.ArticleInput(
                body=" ",
                title="x" * 300,
                valid_from=dt.date(2026, 5, 1),
                valid_to=dt.date(2026, 1, 1),
                review_days=0,
            ),
        )
    assert set(caught.value.field_errors) == {"body", "title", "valid_to", "review_days"}


def test_agents_search_but_do_not_edit() -> None:
    agent = make_staff(Role.HOTLINE_AGENT, "440300-RX12345")
    supervisor = make_staff(Role.SUPERVISOR, "440300-RX12345")
    clerk = make_staff(Role.CLERK, "440300-YBJ")
    assert services.can_search_internal(agent) and not services.can_edit(agent)
    with pytest.raises(AccessDenied):
        services.create_article(agent, services.ArticleInput(body="答复"))
    with pytest.raises(AccessDenied):
        services.create_article(clerk, services.ArticleInput(body="答复"))
    made = services.create_article(supervisor, services.ArticleInput(body="答复内容"))
    assert made.versions.get().saved_by == supervisor
