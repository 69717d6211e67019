"""Prepared statements give the same instances and rows as the ORM, and fall back to it where
they would skip something (signal receivers, cascades)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models.signals import post_save
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, IDToken

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import User
from pengcheng.core.prepared import PreparedDelete, PreparedInsert, PreparedLookup
from pengcheng.identity.models import Client, PairwiseSubject
from pengcheng.identity.services import register_client
from pengcheng.testing import make_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant() -> Grant:
    client = register_client(SYSTEM, name="Prepared test", redirect_uris=["https://rp.example.gov.cn/cb"]).client
    return Grant.objects.create(
        application=client,
        user=make_citizen(),
        code="prepared-code",
        expires=timezone.now() + timedelta(minutes=5),
        redirect_uri="https://rp.example.gov.cn/cb",
        scope="openid profile",
        code_challenge="c" * 43,
        code_challenge_method="S256",
        nonce="n-1",
        claims="{}",
    )


def test_lookup_gives_the_orm_instance_with_its_related_rows(grant: Grant, django_assert_num_queries: Any) -> None:
    lookup = PreparedLookup(Grant.objects.select_related("user", "application"), by=("code",))
    with django_assert_num_queries(1):
        found = lookup.first("prepared-code")
        assert found is not None
        assert found.user.full_name == grant.user.full_name  # populated, no second query
        assert isinstance(found.application, Client) and found.application.pk == grant.application_id
    orm = Grant.objects.get(pk=grant.pk)
    for field in Grant._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    assert found.expires.tzinfo is not None and not found.is_expired()
    assert found._state.adding is False and found._state.db == "default"
    assert lookup.first("no-such-code") is None


def test_lookup_by_two_fields_with_deferred_columns(grant: Grant, django_assert_num_queries: Any) -> None:
    PairwiseSubject.objects.create(user=grant.user, sector="rp.example.gov.cn", sub="s" * 32)
    lookup = PreparedLookup(PairwiseSubject.objects.only("sub"), by=("user", "sector"))
    with django_assert_num_queries(1):
        found = lookup.first(grant.user_id, "rp.example.gov.cn")
        assert found is not None and found.sub == "s" * 32
    assert found.sector == "rp.example.gov.cn"  # a deferred column still loads, as with only()
    assert lookup.first(grant.user_id, "other.example.gov.cn") is None


def test_lookup_refuses_a_filtered_queryset(grant: Grant) -> None:
    with pytest.raises(ValueError, match="without filters"):
        PreparedLookup(Grant.objects.filter(scope="openid"), by=("code",)).first("prepared-code")


def test_insert_writes_what_save_would(grant: Grant) -> None:
    id_token = IDToken(user=grant.user, application=grant.application, scope="openid", expires=grant.expires)
    PreparedInsert(IDToken).save(id_token)
    access = AccessToken(
        user=grant.user,
        application=grant.application,
        id_token=id_token,
        scope="openid",
        expires=grant.expires,
        token="raw-access-token",
        resource=["https://api.example.gov.cn/"],
    )
    PreparedInsert(AccessToken).save(access)
    assert access.pk and not access._state.adding and access.created is not None
    stored = AccessToken.objects.get(pk=access.pk)
    assert stored.id_token_id == id_token.pk and stored.resource == ["https://api.example.gov.cn/"]
    assert stored.token_checksum == access.token_checksum and len(stored.token_checksum) == 64
    assert IDToken.objects.get(pk=id_token.pk).jti == id_token.jti  # the UUID default, as generated


def test_insert_falls_back_to_save_when_someone_listens(grant: Grant) -> None:
    heard: list[int] = []

    def receiver(sender: Any, instance: IDToken, created: bool, **kwargs: Any) -> None:
        heard.append(instance.pk)

    post_save.connect(receiver, sender=IDToken, dispatch_uid="test-prepared")
    try:
        id_token = IDToken(user=grant.user, application=grant.application, scope="openid", expires=grant.expires)
        PreparedInsert(IDToken).save(id_token)
    finally:
        post_save.disconnect(sender=IDToken, dispatch_uid="test-prepared")
    assert heard == [id_token.pk]


def test_delete_counts_rows_and_cascades_through_the_orm(grant: Grant) -> None:
    spend = PreparedDelete(Grant, by=("code", "application"))
    assert spend.delete("prepared-code", grant.application_id + 1000) == 0
    assert spend.delete("prepared-code", grant.application_id) == 1
    assert not Grant.objects.filter(pk=grant.pk).exists()

    # Rows of other tables point at a user: the ORM deletes them too, as QuerySet.delete() would.
    user = make_citizen()
    PairwiseSubject.objects.create(user=user, sector="rp.example.gov.cn", sub="t" * 32)
    assert PreparedDelete(User, by=("username",)).delete(user.username) >= 2
    assert not PairwiseSubject.objects.filter(sub="t" * 32).exists()
