from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pengcheng.core.actors import SYSTEM
from pengcheng.identity.services import register_client
from pengcheng.identity.tests.helpers import OPEN_SESSIONS, RelyingParty


@pytest.fixture
def relying_party(live_server: Any, transactional_city: None) -> Iterator[Any]:
    """``relying_party(scopes=..., public=..., level=..., trusted=...)``: a registered client and an
    Authlib relying party for it, against the live server."""

    def make(
        *,
        scopes: str = "openid profile",
        public: bool = False,
        level: int = 1,
        trusted: bool = False,
        sector: str = "",
        name: str = "Test system",
    ) -> RelyingParty:
        redirect = f"{live_server.url}/healthz"
        issued = register_client(
            SYSTEM,
            name=name,
            redirect_uris=[redirect],
            post_logout_redirect_uris=[f"{live_server.url}/"],
            public=public,
            allowed_scopes=scopes.split(),
            required_level=level,
            trusted=trusted,
            sector_identifier=sector,
        )
        rp = RelyingParty(live_server.url, issued.client.client_id, issued.secret, redirect, scope=scopes)
        rp.discover()
        return rp

    yield make
    while OPEN_SESSIONS:
        OPEN_SESSIONS.pop().close()


@pytest.fixture(autouse=True)
def _fresh_key_ring() -> Iterator[None]:
    """The key ring is cached per process; a test's database starts from its own keys."""
    from pengcheng.identity import keys

    keys.forget_cache()
    yield
    keys.forget_cache()
