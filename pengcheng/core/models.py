"""Core domain: administrative divisions, departments, accounts, companies, staff roles, API keys."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pengcheng.core import identifiers


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")


# How many leading digits of a statistical code identify a division at each level.
LEVEL_PREFIX_LENGTH = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.CITY: 4,
    DivisionLevel.DISTRICT: 6,
    DivisionLevel.STREET: 9,
    DivisionLevel.COMMUNITY: 12,
}
LEVEL_DEPTH = {level: depth for depth, level in enumerate(LEVEL_PREFIX_LENGTH)}


class Division(models.Model):
    """行政区划: a province, city, district, street (街道) or community (社区) with its statistical code."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    # The significant digits of the code: a division's descendants are the codes starting with it.
    prefix = models.GeneratedField(
        expression=Case(
            *(When(level=level, then=Left("code", length)) for level, length in LEVEL_PREFIX_LENGTH.items()),
            default=F("code"),
        ),
        output_field=models.CharField(max_length=12),
        db_persist=True,
        db_index=True,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class DepartmentLevel(models.TextChoices):
    PROVINCE = "province", _("Provincial level")
    CITY = "city", _("City level")
    DISTRICT = "district", _("District level")
    STREET = "street", _("Street level")


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("People's government")
    BUREAU = "bureau", _("Functional department")
    SERVICE_CENTRE = "service_centre", _("Government service centre")
    HOTLINE_CENTRE = "hotline_centre", _("12345 hotline centre")
    ENTERPRISE = "enterprise", _("Public enterprise")


class Department(models.Model):
    """政府部门 or service hall. Departments form a hierarchy and each serves certain divisions."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=DepartmentLevel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.BUREAU)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="departments", verbose_name=_("seat"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    served_divisions = models.ManyToManyField(
        Division, related_name="serving_departments", blank=True, verbose_name=_("served divisions")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class AssuranceLevel(models.IntegerChoices):
    """实名认证等级."""

    L1 = 1, _("L1 account (self-registered)")
    L2 = 2, _("L2 verified against the population registry")
    L3 = 3, _("L3 verified in person or by certificate")


class User(AbstractUser):
    """An account: a citizen (自然人), an agent acting for a company, or a staff member."""

    kind = models.CharField(_("account kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.CITIZEN)
    full_name = models.CharField(_("real name"), max_length=60, blank=True)
    id_number = models.CharField(_("identity number"), max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField(_("mobile phone"), max_length=20, null=True, blank=True, unique=True)
    assurance_level = models.PositiveSmallIntegerField(
        _("real-name level"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    assurance_method = models.CharField(_("verification method"), max_length=40, blank=True)
    assurance_verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    residence = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("residence")
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def masked_id_number(self) -> str:
        return identifiers.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return identifiers.mask_phone(self.phone)


class CompanyKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL_BUSINESS = "individual", _("Individual business (个体工商户)")
    SOCIAL_ORGANISATION = "social", _("Social organisation")
    PUBLIC_INSTITUTION = "institution", _("Public institution")


class Company(models.Model):
    """法人: a legal person, identified by its unified social credit code."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CompanyKind.choices, default=CompanyKind.ENTERPRISE)
    legal_representative = models.CharField(_("legal representative"), max_length=60)
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("registered in")
    )
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    agents = models.ManyToManyField(User, through="CompanyAgent", related_name="companies")

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_credit_code(self) -> str:
        return identifiers.mask_credit_code(self.credit_code)


class AgentRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_rep", _("Legal representative")
    AGENT = "agent", _("Authorised agent")


class CompanyAgent(models.Model):
    """An authorisation for a person to act for a company (法人授权经办人)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="agent_grants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agent_grants")
    role = models.CharField(_("role"), max_length=12, choices=AgentRole.choices, default=AgentRole.AGENT)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="company_agent_unique")]
        verbose_name = _("company agent")
        verbose_name_plural = _("company agents")

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"

    def is_active_at(self, moment: object = None) -> bool:
        now = timezone.now() if moment is None else moment
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)  # type: ignore[operator]

    @staticmethod
    def in_force(now: object = None) -> Q:
        """``is_active_at`` as a filter: not revoked, and not expired at ``now`` (default: now)."""
        moment = timezone.now() if now is None else now
        return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=moment))


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    SUPERVISOR = "supervisor", _("Supervisor")
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    DATA_OFFICER = "data_officer", _("Data officer")
    OPERATOR = "operator", _("Operator")
    ADMIN = "admin", _("Administrator")


# Roles that act platform-wide rather than within their department's divisions.
PLATFORM_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})


class StaffPosition(models.Model):
    """A staff member's role in a department (岗位)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="positions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="positions")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department", "role"], name="staff_position_unique")]
        indexes = [models.Index(fields=["department", "role"])]
        verbose_name = _("staff position")
        verbose_name_plural = _("staff positions")

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class ApiKey(models.Model):
    """A key for machine access to the APIs. Only a hash of the key is stored."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys")
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes
