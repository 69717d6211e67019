"""Unified identity: OpenID Connect clients, signing keys, consents, pairwise subjects and the
sessions a person has open."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from pengcheng.core.models import AssuranceLevel

# Scopes a client may ask for, with what the consent screen says about each.
SCOPES: dict[str, Any] = {
    "openid": _("Sign you in (a user identifier for this application)"),
    "profile": _("Your name"),
    "phone": _("Your mobile phone number"),
    "email": _("Your e-mail address"),
    "pengcheng:realname": _("Your real-name level and masked identity number"),
    "pengcheng:company": _("The company you act for and its credit code"),
    "pengcheng:staff": _("Your department and staff roles"),
}


class Client(AbstractApplication):
    """A government system that signs its users in through Pengcheng (a relying party).

    ``skip_authorization`` is the trusted flag: internal systems skip the consent screen."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("registered by"),
    )

    description = models.CharField(_("description"), max_length=300, blank=True)
    allowed_scopes = models.JSONField(_("allowed scopes"), default=list, blank=True)
    required_level = models.PositiveSmallIntegerField(
        _("required real-name level"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    sector_identifier = models.CharField(
        _("sector"),
        max_length=200,
        blank=True,
        help_text=_("Clients in one sector see the same user identifier (OIDC Core §8.1). Default: the redirect host."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(AbstractApplication.Meta):
        verbose_name = _("OpenID Connect client")
        verbose_name_plural = _("OpenID Connect clients")

    @property
    def sector(self) -> str:
        """The pairwise sector: the configured one, else the host of the first redirect URI."""
        if self.sector_identifier:
            return self.sector_identifier
        first = (self.redirect_uris or "").split()
        return (urlsplit(first[0]).hostname or "") if first else f"client:{self.client_id}"

    @property
    def jwk_key(self) -> Any:
        if self.algorithm == AbstractApplication.RS256_ALGORITHM:
            from pengcheng.identity import keys

            return keys.signing_key().jwk
        return super().jwk_key

    def is_usable(self, request: Any) -> bool:
        return self.is_active


class SigningKey(models.Model):
    """An RSA key that signs ID tokens. The newest key whose ``active_from`` has passed signs;
    every key until its ``expires_at`` is published in the JWKS."""

    kid = models.CharField(max_length=64, unique=True)
    # 1 for the first key, then one more per rotation; unique, so that processes racing to create
    # the first key (or to rotate) cannot both succeed and end up signing with different keys.
    generation = models.PositiveIntegerField(unique=True)
    private_pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    active_from = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-active_from", "-pk"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return self.kid


class Consent(models.Model):
    """What a person has allowed a client to know about them (remembered until revoked)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scopes = models.JSONField(_("scopes"), default=list)
    # The company the person acted for when they last signed in to this client (pengcheng:company).
    company = models.ForeignKey(
        "core.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("acting for")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="identity_consent_unique")]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"

    def covers(self, scopes: list[str]) -> bool:
        return set(scopes) <= set(self.scopes)


class PairwiseSubject(models.Model):
    """The ``sub`` a person has in one sector: random, so it reveals nothing and cannot be joined
    across sectors (OIDC Core §8.1)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(max_length=200)
    sub = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "sector"], name="identity_pairwise_unique")]

    def __str__(self) -> str:
        return f"{self.sector}: {self.sub}"


class AccountSession(models.Model):
    """A signed-in browser session, for the sessions page (device, address, last seen)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.CharField(_("address"), max_length=45, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    second_factor = models.BooleanField(_("second factor used"), default=False)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen"]
        indexes = [models.Index(fields=["user", "ended_at"])]
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip_address}"

    @property
    def device(self) -> str:
        """A short description of the browser and system (e.g. "Chrome 120 · Windows 10")."""
        from user_agents import parse

        if not self.user_agent:
            return ""
        agent = parse(self.user_agent)
        browser = f"{agent.browser.family} {agent.browser.version_string}".strip()
        system = f"{agent.os.family} {agent.os.version_string}".strip()
        return " · ".join(part for part in (browser, system) if part and part != "Other")
