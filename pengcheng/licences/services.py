"""Licence state changes: issuing (by a clerk, by CSV import, or by an approved application),
revoking, suspending, key rotation, shares, authorised uses and verification.

Every function checks its own permission and writes an audit record in its transaction.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from pengcheng.audit.services import record
from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM, MaybeActor, SystemActor
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Company, CompanyAgent, Department, Role, User
from pengcheng.core.permissions import require_department
from pengcheng.core.selectors import active_agent_grants
from pengcheng.licences import credentials, keys
from pengcheng.licences.models import (
    STATUS_LIST_BITS,
    HolderKind,
    IssuerKey,
    IssueSource,
    Licence,
    LicenceState,
    LicenceType,
    LicenceUse,
    Share,
    StatusList,
    StatusPurpose,
    UseKind,
)
from pengcheng.licences.verifier import MAX_TOKEN_CHARS, Outcome, Result, Verifier
from pengcheng.notifications.services import notify

ISSUER_ROLES = (Role.CLERK, Role.SUPERVISOR)
STATUS_LIST_VALIDITY = dt.timedelta(days=2)
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
SHARE_MINUTES = (5, 30, 24 * 60, 7 * 24 * 60)


# Holders ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who a licence is issued to: a person by identity number or an organisation by credit code."""

    kind: str
    identifier: str
    name: str

    @classmethod
    def of(cls, party: User | Company | Holder) -> Holder:
        if isinstance(party, Holder):
            return party
        if isinstance(party, Company):
            return cls(HolderKind.ORGANISATION, party.credit_code, party.name)
        if not party.id_number:
            raise ValidationFailed({"holder": [_("This account has no verified identity number.")]})
        return cls(HolderKind.PERSON, party.id_number, party.full_name or party.username)

    def problem(self) -> str | None:
        if self.kind == HolderKind.PERSON:
            issue = identifiers.id_number_problem(self.identifier)
            return _("Identity number %(reason)s.") % {"reason": issue} if issue else None
        issue = identifiers.credit_code_problem(self.identifier)
        return _("Credit code %(reason)s.") % {"reason": issue} if issue else None


def holder_accounts(holder: Holder) -> list[User]:
    """The accounts that see this holder's licences: the person, or the company's active agents."""
    if holder.kind == HolderKind.PERSON:
        return list(User.objects.filter(id_number=holder.identifier, is_active=True))
    company = Company.objects.filter(credit_code=holder.identifier).first()
    if company is None:
        return []
    # One grant must be both this company's and in force: as a subquery, not chained filters over
    # the relation, which could match the company on one grant and the dates on another.
    in_force = CompanyAgent.objects.filter(CompanyAgent.in_force(), company=company).values("user_id")
    return list(User.objects.filter(pk__in=in_force, is_active=True).order_by("pk"))


def may_hold(user: MaybeActor, licence: Licence) -> bool:
    """Whether ``user`` is the licence's holder or acts for the holding company."""
    if not isinstance(user, User):
        return False
    if licence.holder_kind == HolderKind.PERSON:
        return bool(user.id_number) and user.id_number == licence.holder_identifier
    return active_agent_grants(user).filter(company__credit_code=licence.holder_identifier).exists()


# Status lists ----------------------------------------------------------------------------------------


def status_list_url(department_code: str, purpose: str) -> str:
    return f"{keys.base_url()}/licences/status/{department_code}/{purpose}"


def _status_list(department: Department, purpose: str, *, lock: bool = False) -> StatusList:
    query = StatusList.objects.select_for_update() if lock else StatusList.objects
    found = query.filter(department=department, purpose=purpose).first()
    if found is None:
        try:
            with transaction.atomic():
                found = StatusList.objects.create(
                    department=department, purpose=purpose, bits=bytes(STATUS_LIST_BITS // 8)
                )
        except IntegrityError:
            found = query.get(department=department, purpose=purpose)
    return found


def _allocate_index(department: Department) -> int:
    """A random free position (random, so a list position says nothing about issue order)."""
    for _attempt in range(50):
        index = secrets.randbelow(STATUS_LIST_BITS)
        if not Licence.objects.filter(issuer_department=department, status_index=index).exists():
            return index
    raise Conflict(_("The department's status list is full."))


def _set_bit(bits: bytes, index: int, value: bool) -> bytes:
    array = bytearray(bits)
    mask = 0x80 >> (index % 8)
    array[index // 8] = (array[index // 8] | mask) if value else (array[index // 8] & ~mask)
    return bytes(array)


def status_list_token(department_code: str, purpose: str) -> str:
    """The signed status list credential, cached per version."""
    department = Department.objects.filter(code=department_code).first()
    if department is None or purpose not in StatusPurpose.values:
        raise NotFound(_("No such status list."))
    status_list = _status_list(department, purpose)
    key_record, key = keys.signing_key(department)
    bits = bytes(status_list.bits)
    # Keyed by content and key, never by a row id or version alone: a rolled-back change must not
    # leave a cached list that a later, different change would reuse.
    digest = hashlib.sha256(bits).hexdigest()[:32]
    cache_key = f"pengcheng:licences:status:{department.code}:{purpose}:{digest}:{key_record.kid}"
    token: str | None = cache.get(cache_key)
    if token is None:
        token = credentials.status_list_credential(
            list_url=status_list_url(department.code, purpose),
            issuer_did=keys.issuer_did(department.code),
            issuer_name=department.name,
            purpose=purpose,
            bits=bits,
            key=key,
            kid=key_record.kid,
            now=timezone.now(),
            validity=STATUS_LIST_VALIDITY,
        )
        # Re-signed well before validUntil so that a cached copy handed out is never nearly stale.
        cache.set(cache_key, token, int(STATUS_LIST_VALIDITY.total_seconds() / 4))
    return token


# Validation ------------------------------------------------------------------------------------------


def validate_data(licence_type: LicenceType, data: dict[str, Any]) -> dict[str, Any]:
    """Data checked against the type's JSON Schema; raises ``ValidationFailed`` per field."""
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [_("Licence data must be an object.")]})
    properties = licence_type.schema.get("properties", {})
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        if value in ("", None):
            continue
        if properties.get(name, {}).get("type") == "number" and isinstance(value, str):
            with contextlib.suppress(ValueError):  # a non-number is reported by the schema below
                value = float(value) if "." in value else int(value)
        cleaned[name] = value.strip() if isinstance(value, str) else value
    errors: dict[str, list[str]] = {}
    validator = Draft202012Validator(licence_type.schema, format_checker=FormatChecker())
    for error in validator.iter_errors(cleaned):
        if error.validator == "required":
            for missing in [name for name in error.validator_value if name not in cleaned]:
                errors.setdefault(missing, []).append(_("This field is required."))
        elif error.validator == "additionalProperties":
            errors.setdefault("data", []).append(_("Unknown fields: %(detail)s") % {"detail": error.message})
        else:
            where = str(error.path[0]) if error.path else "data"
            title = properties.get(where, {}).get("title", where)
            errors.setdefault(where, []).append(
                _("%(field)s: %(problem)s") % {"field": title, "problem": error.message}
            )
    for name, value in cleaned.items():
        if name.endswith("id_number") and isinstance(value, str) and identifiers.id_number_problem(value):
            errors.setdefault(name, []).append(str(identifiers.id_number_problem(value)))
        if name == "credit_code" and isinstance(value, str) and identifiers.credit_code_problem(value):
            errors.setdefault(name, []).append(str(identifiers.credit_code_problem(value)))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _require_issuer(actor: MaybeActor, licence_type: LicenceType, action: str) -> None:
    if isinstance(actor, SystemActor):
        return
    require_department(actor, licence_type.department_id, *ISSUER_ROLES, action=action, target=licence_type)


# Issuing ---------------------------------------------------------------------------------------------


def _subject(licence_type: LicenceType, holder: Holder, data: dict[str, Any], number: str) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "licenceType": licence_type.code,
        "licenceNumber": number,
        "holderName": holder.name,
        "holderIdentifier": holder.identifier,
        **data,
    }
    if holder.kind == HolderKind.PERSON and identifiers.is_valid_id_number(holder.identifier):
        birth = identifiers.birth_date_from_id(holder.identifier)
        subject["ageEqualOrOver"] = credentials.age_claims(birth, timezone.localdate())
    return subject


def _new_number(licence_type: LicenceType, when: dt.datetime) -> str:
    return f"{licence_type.code}-{when:%Y}-{secrets.token_hex(5).upper()}"


@transaction.atomic
def issue_licence(
    actor: MaybeActor,
    licence_type: LicenceType,
    holder: User | Company | Holder,
    data: dict[str, Any],
    *,
    source: str = IssueSource.CLERK,
    source_reference: str = "",
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    supersede: bool = True,
    notify_holder: bool = True,
) -> Licence:
    """Issue a licence of ``licence_type`` to ``holder`` and sign it.

    Clerks and supervisors of the type's issuing department may issue; so may the platform itself
    (``SYSTEM``), e.g. when an application is approved. An earlier valid licence of the same type for
    the same holder is revoked as superseded unless ``supersede`` is False."""
    _require_issuer(actor, licence_type, "licences.issue")
    if not licence_type.is_active:
        raise Conflict(_("This licence type is no longer issued."))
    party = Holder.of(holder)
    errors: dict[str, list[str]] = {}
    if party.kind != licence_type.holder_kind:
        errors["holder"] = [
            _("%(type)s is issued to %(kind)s only.")
            % {"type": licence_type.name, "kind": HolderKind(licence_type.holder_kind).label}
        ]
    elif problem := party.problem():
        errors["holder"] = [problem]
    if not party.name.strip():
        errors["holder_name"] = [_("The holder's name is required.")]
    try:
        cleaned = validate_data(licence_type, data)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        cleaned = {}
    now = timezone.now()
    start = valid_from or now
    if valid_until is not None and not licence_type.validity_editable and source == IssueSource.CLERK:
        valid_until = None  # the type's rule decides
    if valid_until is None and licence_type.validity_months:
        valid_until = _add_months(start, licence_type.validity_months)
    if valid_until is not None and valid_until <= start:
        errors["valid_until"] = [_("The end of validity must come after its start.")]
    if errors:
        raise ValidationFailed(errors)

    department = licence_type.department
    key_record, key = keys.signing_key(department)
    index = _allocate_index(department)
    number = _new_number(licence_type, now)
    licence = Licence(
        licence_type=licence_type,
        number=number,
        holder_kind=party.kind,
        holder_identifier=party.identifier,
        holder_name=party.name,
        data=cleaned,
        valid_from=start,
        valid_until=valid_until,
        status_index=index,
        issuer_department=department,
        kid=key_record.kid,
        source=source,
        source_reference=source_reference[:100],
        issued_at=now,
        issued_by=actor if isinstance(actor, User) else None,
    )
    credential = credentials.build_credential(
        base_url=keys.base_url(),
        credential_id=licence.credential_id,
        types=["PengchengLicence", _type_name(licence_type)],
        issuer_did=keys.issuer_did(department.code),
        issuer_name=department.name,
        subject=_subject(licence_type, party, cleaned, number),
        valid_from=start,
        valid_until=valid_until,
        status_entries=[
            credentials.status_entry(status_list_url(department.code, purpose), purpose, index)
            for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
        ],
        schema_url=f"{keys.base_url()}/licences/types/{licence_type.code}/schema.json",
        name=licence_type.name,
    )
    licence.credential = credentials.sign_jwt(credential, key, key_record.kid)
    licence.sd_credential = credentials.sign_sd_jwt(credential, key, key_record.kid)
    if supersede:
        for earlier in Licence.objects.select_for_update().filter(
            licence_type=licence_type, holder_identifier=party.identifier, state=LicenceState.ACTIVE
        ):
            _change_state(SYSTEM, earlier, LicenceState.REVOKED, _("Superseded by %(n)s") % {"n": number})
    licence.save()
    record(
        actor,
        "licences.issue",
        licence,
        summary=f"{licence_type.code} {number} → {identifiers.mask_id_number(party.identifier)}",
        data={"type": licence_type.code, "source": source, "reference": source_reference[:100], "kid": key_record.kid},
    )
    if notify_holder:
        for account in holder_accounts(party):
            notify(
                account,
                subject=_("New electronic licence: %(type)s") % {"type": licence_type.name},
                body=_("%(dept)s issued %(type)s no. %(number)s to %(holder)s. It is in your licence wallet.")
                % {"dept": department.name, "type": licence_type.name, "number": number, "holder": party.name},
                url=reverse("licences:wallet-detail", args=[licence.pk]),
                category="licences",
                channels=("inbox",),
            )
    return licence


def _type_name(licence_type: LicenceType) -> str:
    return "Licence_" + licence_type.code.replace("-", "_")


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(
        moment.day,
        [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][
            month - 1
        ],
    )
    return moment.replace(year=year, month=month, day=day)


# Bulk import -----------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[Licence] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    rows: int = 0


IMPORT_HOLDER_COLUMNS = ("holder_identifier", "holder_name")


def import_template(licence_type: LicenceType) -> str:
    columns = [*IMPORT_HOLDER_COLUMNS, "valid_from", "valid_until", *licence_type.schema.get("properties", {})]
    return ",".join(columns) + "\n"


def import_licences(
    actor: MaybeActor,
    licence_type: LicenceType,
    content: bytes,
    *,
    filename: str = "upload.csv",
    progress: Any = None,
) -> ImportResult:
    """Issue one licence per CSV row. Each row stands alone: good rows are issued, bad rows are
    reported with their row number and reason; a row never half-succeeds."""
    _require_issuer(actor, licence_type, "licences.import")
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed({"file": [_("The file is larger than %(n)s MB.") % {"n": MAX_IMPORT_BYTES // 1048576}]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed({"file": [_("The file is neither UTF-8 nor GB18030 text.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    missing = [c for c in IMPORT_HOLDER_COLUMNS if c not in columns]
    if missing:
        raise ValidationFailed({"file": [_("Missing columns: %(cols)s") % {"cols": ", ".join(missing)}]})
    known = {*IMPORT_HOLDER_COLUMNS, "valid_from", "valid_until", *licence_type.schema.get("properties", {})}
    unknown = sorted(c for c in columns if c not in known)
    if unknown:
        raise ValidationFailed({"file": [_("Unknown columns: %(cols)s") % {"cols": ", ".join(unknown)}]})
    result = ImportResult()
    rows = list(reader)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed({"file": [_("At most %(n)s rows per file.") % {"n": MAX_IMPORT_ROWS}]})
    iterator: Iterable[tuple[int, dict[str, Any]]] = enumerate(rows, start=2)
    if progress is not None:
        iterator = progress(iterator, len(rows))
    for row_number, row in iterator:
        result.rows += 1
        if None in row:
            result.errors.append((row_number, _("More values than columns.")))
            continue
        holder = Holder(
            licence_type.holder_kind,
            (row.get("holder_identifier") or "").strip().upper(),
            (row.get("holder_name") or "").strip(),
        )
        data = {k: v for k, v in row.items() if k in licence_type.schema.get("properties", {})}
        try:
            valid_from = _parse_day(row.get("valid_from"), "valid_from")
            valid_until = _parse_day(row.get("valid_until"), "valid_until")
            licence = issue_licence(
                actor,
                licence_type,
                holder,
                data,
                source=IssueSource.IMPORT,
                source_reference=f"{filename}:{row_number}"[:100],
                valid_from=valid_from,
                valid_until=valid_until,
            )
        except ValidationFailed as exc:
            reasons = "; ".join(
                f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in exc.field_errors.items()
            )
            result.errors.append((row_number, reasons or str(exc.message)))
        else:
            result.created.append(licence)
    with transaction.atomic():
        record(
            actor,
            "licences.import",
            licence_type,
            summary=f"{filename}: {len(result.created)} issued, {len(result.errors)} rejected",
            data={"file": filename[:100], "rows": result.rows, "errors": result.errors[:50]},
        )
    return result


def _parse_day(value: str | None, name: str) -> dt.datetime | None:
    if not value or not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed({name: [_("Use the form YYYY-MM-DD.")]}) from None
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


# Status changes --------------------------------------------------------------------------------------

TRANSITIONS = {
    (LicenceState.ACTIVE, LicenceState.SUSPENDED),
    (LicenceState.ACTIVE, LicenceState.REVOKED),
    (LicenceState.SUSPENDED, LicenceState.ACTIVE),
    (LicenceState.SUSPENDED, LicenceState.REVOKED),
}


STATE_ACTIONS: dict[str, str] = {
    LicenceState.REVOKED: "licences.revoke",
    LicenceState.SUSPENDED: "licences.suspend",
    LicenceState.ACTIVE: "licences.reinstate",
}


def _change_state(actor: MaybeActor, licence: Licence, state: str, reason: str) -> None:
    if (licence.state, state) not in TRANSITIONS:
        raise Conflict(
            _("A %(from)s licence cannot become %(to)s.")
            % {"from": LicenceState(licence.state).label, "to": LicenceState(state).label}
        )
    department = licence.issuer_department
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        wanted = (
            (state == LicenceState.REVOKED)
            if purpose == StatusPurpose.REVOCATION
            else (state == LicenceState.SUSPENDED)
        )
        status_list = _status_list(department, purpose, lock=True)
        bits = _set_bit(bytes(status_list.bits), licence.status_index, wanted)
        if bits != bytes(status_list.bits):
            status_list.bits = bits
            status_list.version += 1
            status_list.updated_at = timezone.now()
            status_list.save(update_fields=["bits", "version", "updated_at"])
    previous = licence.state
    licence.state = state
    licence.state_reason = reason[:300]
    licence.state_changed_at = timezone.now()
    licence.save(update_fields=["state", "state_reason", "state_changed_at"])
    record(
        actor,
        STATE_ACTIONS[state],
        licence,
        summary=f"{licence.number}: {previous} → {state}",
        data={"reason": reason[:300]},
    )
    platform_verifier.forget()
    transaction.on_commit(platform_verifier.forget)


@transaction.atomic
def change_state(actor: MaybeActor, licence: Licence, state: str, reason: str) -> Licence:
    """Revoke, suspend or reinstate a licence; the status lists change with it."""
    require_department(
        actor, licence.licence_type.department_id, *ISSUER_ROLES, action="licences.status", target=licence
    )
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give a reason; the holder will see it.")]})
    locked = Licence.objects.select_for_update().select_related("licence_type", "issuer_department").get(pk=licence.pk)
    _change_state(actor, locked, state, reason.strip())
    for account in holder_accounts(Holder(locked.holder_kind, locked.holder_identifier, locked.holder_name)):
        notify(
            account,
            subject=_("Your licence %(type)s is now %(state)s")
            % {"type": locked.licence_type.name, "state": LicenceState(state).label},
            body=_("Licence no. %(number)s: %(reason)s") % {"number": locked.number, "reason": reason.strip()},
            url=reverse("licences:wallet-detail", args=[locked.pk]),
            category="licences",
            channels=("inbox",),
        )
    return locked


@transaction.atomic
def rotate_key(actor: MaybeActor, department: Department) -> IssuerKey:
    """Start signing with a new key. The old key stays published while credentials it signed are in
    force (``withdraw_retired_keys`` withdraws it after that)."""
    require_department(actor, department.pk, Role.SUPERVISOR, action="licences.rotate_key", target=department)
    now = timezone.now()
    retired = list(IssuerKey.objects.select_for_update().filter(department=department, retired_at__isnull=True))
    IssuerKey.objects.filter(pk__in=[k.pk for k in retired]).update(retired_at=now)
    new = keys.create_key(department)  # status lists are re-signed with it on their next request
    record(actor, "licences.rotate_key", department, summary=new.kid, data={"retired": [k.kid for k in retired]})
    platform_verifier.forget()
    transaction.on_commit(platform_verifier.forget)
    return new


def withdraw_retired_keys() -> int:
    """Scheduled: stop publishing retired keys no licence in force still needs."""
    now = timezone.now()
    withdrawn = 0
    for key in IssuerKey.objects.filter(retired_at__isnull=False, withdrawn_at__isnull=True):
        in_force = Licence.objects.filter(kid=key.kid).exclude(state=LicenceState.REVOKED)
        if in_force.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now)).exists():
            continue
        with transaction.atomic():
            key.withdrawn_at = now
            key.save(update_fields=["withdrawn_at"])
            record(SYSTEM, "licences.withdraw_key", ("licences.issuerkey", key.pk), summary=key.kid)
        withdrawn += 1
    return withdrawn


# Uses, shares and authorisations ---------------------------------------------------------------------


def record_use(
    licence: Licence,
    kind: str,
    *,
    used_by: str,
    actor: MaybeActor | None = None,
    purpose: str = "",
    outcome: str = "",
    disclosed: list[str] | None = None,
    reference: str = "",
    ip_address: str = "",
) -> LicenceUse:
    return LicenceUse.objects.create(
        licence=licence,
        kind=kind,
        used_by=used_by[:200],
        actor=actor if isinstance(actor, User) else None,
        purpose=purpose[:200],
        outcome=outcome,
        disclosed=disclosed or [],
        reference=reference[:100],
        ip_address=ip_address[:45],
    )


def _require_holder(actor: MaybeActor, licence: Licence, action: str) -> User:
    from pengcheng.core.errors import AccessDenied

    if not may_hold(actor, licence):
        raise AccessDenied(action, target=licence, reason="only the holder may do this")
    assert isinstance(actor, User)
    return actor


def shareable_claims(licence: Licence) -> list[str]:
    """The claims a holder may choose to disclose, in card order."""
    names = ["holderName", "holderIdentifier", "licenceNumber", "licenceType", *licence.data]
    if licence.holder_kind == HolderKind.PERSON:
        names += [f"ageEqualOrOver.{n}" for n in credentials.AGE_THRESHOLDS]
    return list(dict.fromkeys(names))


@transaction.atomic
def create_share(
    actor: MaybeActor, licence: Licence, claims: list[str], *, purpose: str = "", minutes: int = 30
) -> Share:
    """The holder shows a licence: a presentation disclosing only ``claims``, behind a short link."""
    user = _require_holder(actor, licence, "licences.share")
    allowed = set(shareable_claims(licence))
    chosen = [c for c in dict.fromkeys(claims) if c]
    if not chosen:
        raise ValidationFailed({"claims": [_("Choose at least one item to show.")]})
    if not set(chosen) <= allowed:
        raise ValidationFailed(
            {"claims": [_("Unknown items: %(names)s") % {"names": ", ".join(sorted(set(chosen) - allowed))}]}
        )
    if minutes not in SHARE_MINUTES:
        raise ValidationFailed({"minutes": [_("Choose one of the offered durations.")]})
    if licence.effective_state != LicenceState.ACTIVE:
        raise Conflict(_("Only a licence in force can be shown."))
    presentation = credentials.present(licence.sd_credential, chosen)
    share = Share.objects.create(
        code=secrets.token_urlsafe(12),
        licence=licence,
        presentation=presentation,
        claims=chosen,
        purpose=purpose.strip()[:200],
        expires_at=timezone.now() + dt.timedelta(minutes=minutes),
        created_by=user,
    )
    record_use(
        licence,
        UseKind.SHARED,
        used_by=user.display_name,
        actor=user,
        purpose=share.purpose,
        disclosed=chosen,
        reference=share.code,
    )
    record(
        user,
        "licences.share",
        licence,
        summary=f"{licence.number}: {', '.join(chosen)}"[:300],
        data={"claims": chosen, "minutes": minutes},
    )
    return share


@dataclass
class AuthorisedUse:
    """What an application receives after the holder authorises the use of a licence: the verified
    credential data, and the use recorded in the holder's wallet."""

    licence: Licence
    use: LicenceUse
    result: Result

    @property
    def data(self) -> dict[str, Any]:
        return self.result.subject


@transaction.atomic
def authorise_use(
    holder: MaybeActor, licence: Licence, purpose: str, used_by: str, *, reference: str = ""
) -> AuthorisedUse:
    """The holder authorises ``used_by`` (e.g. a department handling an application) to use the
    licence for ``purpose`` (免证办). The credential is verified now; only a valid licence is used."""
    user = _require_holder(holder, licence, "licences.authorise_use")
    if not purpose.strip() or not used_by.strip():
        raise ValidationFailed({"purpose": [_("Say who uses the licence and for what.")]})
    result = platform_verifier.verify(licence.credential)
    if result.outcome != Outcome.VALID:
        raise Conflict(
            _("This licence cannot be used: %(outcome)s (%(reason)s).")
            % {"outcome": result.outcome, "reason": result.message},
            code=f"licence_{result.outcome}",
        )
    use = record_use(
        licence,
        UseKind.AUTHORISED,
        used_by=used_by,
        actor=user,
        purpose=purpose,
        outcome=str(result.outcome),
        disclosed=sorted(result.subject),
        reference=reference,
    )
    record(
        user,
        "licences.authorise_use",
        licence,
        summary=f"{licence.number} → {used_by}"[:300],
        data={"purpose": purpose[:200], "reference": reference[:100]},
    )
    return AuthorisedUse(licence, use, result)


# Verification ----------------------------------------------------------------------------------------


def _local_status_list(url: str) -> str | None:
    prefix = f"{keys.base_url()}/licences/status/"
    if not url.startswith(prefix):
        return None  # another platform's list: a deployment would fetch it over HTTPS
    code, _slash, purpose = url[len(prefix) :].partition("/")
    try:
        return status_list_token(code, purpose)
    except NotFound:
        return None


key_cache = keys.key_cache
platform_verifier = Verifier(key_cache.key, _local_status_list, issuer_names=key_cache.issuer_name, status_ttl=10.0)


@dataclass
class Verification:
    result: Result
    licence: Licence | None = None
    share: Share | None = None
    licence_type: LicenceType | None = None
    field_titles: dict[str, str] = field(default_factory=dict)


class PayloadError(ValidationFailed):
    pass


def token_from_payload(text: str) -> tuple[str, Share | None]:
    """What a pasted or scanned text holds: a credential, or a share link (``…/licences/v/<code>/``),
    or a verification URL carrying the credential in ``?credential=``."""
    text = (text or "").strip()
    if not text:
        raise PayloadError({"credential": [_("Paste or scan a credential or QR code.")]})
    if len(text) > MAX_TOKEN_CHARS:
        raise PayloadError(
            {
                "credential": [
                    _("The text is too long to be a credential (%(n)s characters at most).") % {"n": MAX_TOKEN_CHARS}
                ]
            }
        )
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        if "credential" in query:
            return query["credential"][0], None
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) == 3 and segments[:2] == ["licences", "v"]:
            share = Share.objects.select_related("licence").filter(code=segments[2]).first()
            if share is None:
                raise PayloadError({"credential": [_("This share link is unknown.")]})
            if share.expires_at <= timezone.now():
                raise PayloadError({"credential": [_("This share link has expired; ask the holder for a new one.")]})
            return share.presentation, share
        raise PayloadError({"credential": [_("This link is not a licence verification link.")]})
    return text, None


def verify(
    text: str,
    *,
    actor: MaybeActor | None = None,
    purpose: str = "",
    ip_address: str = "",
    log: bool = True,
    detail: bool = True,
) -> Verification:
    """Verify a pasted or scanned credential, share link or QR payload, and log the use on the
    licence (who verified it, when, for what) when the licence is one of ours. ``detail`` loads the
    licence and its type for display; the JSON API skips it (the result carries the claims)."""
    token, share = token_from_payload(text)
    result = platform_verifier.verify(token)
    verification = Verification(result=result, share=share)
    licence_id = _uuid_or_none(result.credential_id.removeprefix("urn:uuid:"))
    if licence_id is None or result.outcome == Outcome.INVALID:
        return verification
    if detail:
        found = Licence.objects.select_related("licence_type").defer("credential", "sd_credential")
        licence = found.filter(pk=licence_id).order_by().first()
        if licence is None:
            return verification
        verification.licence = licence
        verification.licence_type = licence.licence_type
        verification.field_titles = licence.licence_type.field_titles()
    elif not Licence.objects.filter(pk=licence_id).exists():
        return verification
    if log:
        who = actor.display_name if isinstance(actor, User) else _("Anonymous verifier")
        LicenceUse.objects.create(
            licence_id=licence_id,
            kind=UseKind.VERIFIED,
            used_by=str(who)[:200],
            actor=actor if isinstance(actor, User) else None,
            purpose=purpose[:200],
            outcome=str(result.outcome),
            disclosed=result.disclosed,
            reference=share.code if share else "",
            ip_address=ip_address[:45],
        )
    return verification


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
