"""State changes for accounts, staff roles, companies and API keys. Each checks its own permission
and leaves an audit record."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pengcheng.audit.services import record as audit
from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM, Actor
from pengcheng.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from pengcheng.core.models import (
    AccountKind,
    AgentRole,
    ApiKey,
    AssuranceLevel,
    Company,
    CompanyAgent,
    Department,
    Role,
    StaffPosition,
    User,
)
from pengcheng.core.permissions import forget_scope, require_company_manager, require_platform_role
from pengcheng.core.selectors import find_person

OPERATOR_GROUP = "operators"
# Apps whose models operators manage in the Django admin (the audit log stays read-only there).
OPERATOR_ADMIN_APPS = ["core", "workdays", "django_q"]


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed({"password": list(exc.messages)}) from None


def registration_problems(username: str, phone: str) -> dict[str, list[str]]:
    """What stops ``username`` and ``phone`` from being registered (empty when nothing does)."""
    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = [_("Enter a user name.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This user name is taken.")]
    if phone and not identifiers.is_valid_mobile(phone):
        errors["phone"] = [_("Enter an 11-digit mobile number.")]
    elif phone and User.objects.filter(phone=phone).exists():
        errors["phone"] = [_("This mobile number is already registered.")]
    return errors


def register_citizen(*, username: str, password: str, full_name: str = "", phone: str = "", email: str = "") -> User:
    """A self-registered citizen account (real-name level L1)."""
    errors = registration_problems(username, phone)
    if errors:
        raise ValidationFailed(errors)
    username = username.strip()
    _check_password(password, User(username=username, full_name=full_name, email=email))
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            full_name=full_name.strip(),
            phone=phone or None,
            kind=AccountKind.CITIZEN,
        )
        audit(user, "account.registered", user, summary=username)
    return user


def ensure_operator_group() -> Group:
    """The admin permissions an operator holds: manage platform data, never edit the audit log."""
    group, _ = Group.objects.get_or_create(name=OPERATOR_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=OPERATOR_ADMIN_APPS)
    group.permissions.set(permissions)
    return group


def _apply_platform_flags(user: User) -> None:
    roles = set(StaffPosition.objects.filter(user=user).values_list("role", flat=True))
    user.is_staff = bool(roles & {Role.OPERATOR, Role.ADMIN}) or user.is_superuser
    if Role.ADMIN in roles:
        user.is_superuser = True
    user.kind = AccountKind.STAFF if roles else user.kind
    user.save(update_fields=["is_staff", "is_superuser", "kind"])
    if Role.OPERATOR in roles:
        user.groups.add(ensure_operator_group())
    forget_scope(user)


def assign_role(actor: Actor, user: User, role: str, department: Department | None) -> StaffPosition:
    """Give ``user`` a role in ``department`` (operators and admins need none)."""
    require_platform_role(actor, action="staff.assign_role", target=user)
    if role not in Role.values:
        raise ValidationFailed({"role": [f"unknown role {role!r}; choose from {', '.join(Role.values)}"]})
    if role == Role.ADMIN and not (actor is SYSTEM or getattr(actor, "is_superuser", False)):
        raise AccessDenied("staff.assign_admin", target=user, reason="only an administrator can appoint one")
    if department is None:
        if role not in (Role.OPERATOR, Role.ADMIN):
            raise ValidationFailed({"department": [f"a {role} must belong to a department"]})
        department = Department.objects.filter(parent__isnull=True).order_by("code").first()
        if department is None:
            raise ValidationFailed({"department": ["no department exists yet; import or seed departments first"]})
    with transaction.atomic():
        position, created = StaffPosition.objects.get_or_create(user=user, department=department, role=role)
        if created:
            _apply_platform_flags(user)
            audit(
                actor,
                "staff.role_assigned",
                user,
                summary=f"{role} @ {department.code}",
                data={"role": role, "department": department.code},
            )
    return position


def remove_role(actor: Actor, position: StaffPosition) -> None:
    require_platform_role(actor, action="staff.remove_role", target=position.user)
    with transaction.atomic():
        user = position.user
        summary = f"{position.role} @ {position.department.code}"
        position.delete()
        _apply_platform_flags(user)
        audit(actor, "staff.role_removed", user, summary=summary)


def create_account(
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    department_code: str | None = None,
    full_name: str = "",
    email: str = "",
) -> User:
    """Create an account with a role: ``citizen`` or a staff role (used by ``pengcheng create_user``)."""
    require_platform_role(actor, action="account.create")
    department = None
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise ValidationFailed({"department": [f"no department with code {department_code!r}"]})
    if role != "citizen" and role not in Role.values:
        raise ValidationFailed({"role": [f"unknown role {role!r}; choose citizen or {', '.join(Role.values)}"]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed({"username": [f"user {username!r} already exists"]})
    _check_password(password, User(username=username, full_name=full_name))
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            full_name=full_name,
            kind=AccountKind.CITIZEN if role == "citizen" else AccountKind.STAFF,
        )
        audit(actor, "account.created", user, summary=f"{username} ({role})")
        if role != "citizen":
            assign_role(actor, user, role, department)
    return user


def set_assurance_level(actor: Actor, user: User, level: int, method: str) -> User:
    """Record a real-name verification (L2 against the population registry, L3 in person)."""
    if level not in AssuranceLevel.values:
        raise ValidationFailed({"level": [f"level must be one of {AssuranceLevel.values}"]})
    if actor is not SYSTEM and actor != user:
        require_platform_role(actor, action="account.set_assurance", target=user)
    with transaction.atomic():
        previous = user.assurance_level
        user.assurance_level = level
        user.assurance_method = method[:40]
        user.assurance_verified_at = timezone.now()
        user.save(update_fields=["assurance_level", "assurance_method", "assurance_verified_at"])
        audit(
            actor,
            "account.assurance_changed",
            user,
            summary=f"L{previous} → L{level} ({method})",
            data={"from": previous, "to": level, "method": method},
        )
    return user


def grant_agent(
    actor: Actor, company: Company, user: User, *, role: str = AgentRole.AGENT, expires_at: datetime | None = None
) -> CompanyAgent:
    """Authorise ``user`` to act for ``company`` (经办人). The company's legal representative may add
    agents; only an operator records a legal representative or changes an authorisation in force.
    The person must have verified their real name (L2 or above)."""
    if role not in AgentRole.values:
        raise ValidationFailed({"role": [f"unknown role {role!r}; choose from {', '.join(AgentRole.values)}"]})
    with transaction.atomic():
        platform = require_company_manager(actor, company, action="company.grant_agent")
        if role == AgentRole.LEGAL_REPRESENTATIVE and not platform:
            raise AccessDenied(
                "company.grant_agent",
                target=company,
                reason=_("Only an operator may record a company's legal representative."),
            )
        if not user.is_active or user.kind != AccountKind.CITIZEN:
            raise ValidationFailed({"person": [_("This account cannot act for a company.")]})
        if user.assurance_level < AssuranceLevel.L2:
            # Whoever acts for a company signs and fetches its data in its name: a verified real name.
            unverified = _("This person has not verified their real name yet, which acting for a company needs.")
            raise ValidationFailed({"person": [unverified]})
        existing = CompanyAgent.objects.select_for_update().filter(company=company, user=user).first()
        if existing is not None and existing.is_active_at() and not platform:
            raise Conflict(
                _("%(name)s already acts for %(company)s.") % {"name": user.display_name, "company": company.name},
                code="already_agent",
            )
        grant, _created = CompanyAgent.objects.update_or_create(
            company=company,
            user=user,
            defaults={"role": role, "expires_at": expires_at, "revoked_at": None, "granted_at": timezone.now()},
        )
        audit(
            actor,
            "company.agent_granted",
            company,
            summary=f"{user.username} as {role}",
            data={"user_id": user.pk, "role": role, "expires_at": expires_at, "grant": grant.pk},
        )
    return grant


def add_agent(actor: Actor, company: Company, *, full_name: str, person: str) -> CompanyAgent:
    """Authorise the person a legal representative names (real name, and identity number or user
    name) as an agent of ``company``. A wrong name gets the same answer as an unknown number, so that
    the lookup does not confirm whether a number has an account to someone who does not know the
    person's name."""
    require_company_manager(actor, company, action="company.grant_agent")
    user = find_person(person, full_name=full_name) if full_name.strip() else None
    if user is None:
        raise ValidationFailed(
            {
                "person": [
                    _(
                        "No account has this real name with this identity number or user name. "
                        "Check both, or ask the person to register first."
                    )
                ]
            }
        )
    return grant_agent(actor, company, user)


def revoke_agent(actor: Actor, grant: CompanyAgent) -> CompanyAgent:
    """End an authorisation. The legal representative revokes agents; only an operator revokes a legal
    representative's own authorisation (e.g. after the registry records a new one)."""
    with transaction.atomic():
        platform = require_company_manager(actor, grant.company, action="company.revoke_agent")
        locked = CompanyAgent.objects.select_for_update().select_related("company", "user").get(pk=grant.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This authorisation was already revoked."), code="already_revoked")
        if locked.role == AgentRole.LEGAL_REPRESENTATIVE and not platform:
            raise Conflict(
                _("The legal representative's own authorisation cannot be revoked here."), code="legal_representative"
            )
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit(
            actor,
            "company.agent_revoked",
            locked.company,
            summary=locked.user.username,
            data={"user_id": locked.user_id, "role": locked.role, "grant": locked.pk},
        )
    grant.revoked_at = locked.revoked_at
    return locked


# API keys -----------------------------------------------------------------------------------------

API_KEY_PREFIX = "pck_"


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    raw: str  # shown once; only its hash is stored


def create_api_key(
    actor: Actor,
    *,
    name: str,
    scopes: list[str] | None = None,
    owner: User | None = None,
    expires_at: datetime | None = None,
) -> NewApiKey:
    """Issue a key. Users may issue keys for themselves; operators for anyone or for a system."""
    if owner is None or actor != owner:
        require_platform_role(actor, action="apikey.create")
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": ["Give the key a name."]})
    secret = secrets.token_urlsafe(32)
    raw = f"{API_KEY_PREFIX}{secret}"
    with transaction.atomic():
        try:
            key = ApiKey.objects.create(
                name=name[:100],
                prefix=raw[:12],
                key_hash=hash_api_key(raw),
                owner=owner,
                scopes=sorted(set(scopes or [])),
                expires_at=expires_at,
            )
        except IntegrityError:  # a 256-bit collision: practically impossible, but never a 500
            raise Conflict("Could not issue a key; try again.") from None
        audit(actor, "apikey.created", key, summary=name, data={"scopes": key.scopes, "prefix": key.prefix})
    return NewApiKey(key, raw)


def revoke_api_key(actor: Actor, key: ApiKey) -> None:
    if key.owner_id is None or actor != key.owner:
        require_platform_role(actor, action="apikey.revoke", target=key)
    if key.revoked_at:
        raise Conflict("This key was already revoked.")
    with transaction.atomic():
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit(actor, "apikey.revoked", key, summary=key.name)
    from pengcheng.core.selectors import forget_api_key

    transaction.on_commit(lambda: forget_api_key(key))


def get_department(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise NotFound(f"No department with code {code!r}.")
    return department
