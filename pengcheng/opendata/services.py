"""State changes of the open-data catalogue. Each checks its own permission and writes an audit record.

Publishers are data officers acting for their departments (operators and admins for any). The CKAN
write actions, the console and the seed all call these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM, Actor, MaybeActor
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.core.models import Division, Role, User
from pengcheng.core.permissions import require_department
from pengcheng.jobs.services import enqueue
from pengcheng.opendata import datastore, ingest, pii
from pengcheng.opendata.models import (
    LICENCES,
    CatalogueVersion,
    Dataset,
    DatasetState,
    Frequency,
    Resource,
    ResourceVersion,
    Tag,
    Theme,
    VersionStatus,
)
from pengcheng.opendata.selectors import UUID_TEXT, department_by_key

logger = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
REVIEW_ACTIONS = ("mask", "drop", "justify")


def require_publisher(actor: MaybeActor, department_id: int | None, action: str, target: object = None) -> None:
    require_department(actor, department_id, Role.DATA_OFFICER, action=action, target=target)


# Datasets ------------------------------------------------------------------------------------


DATASET_FIELDS = (
    "name",
    "title",
    "title_en",
    "notes",
    "owner_org",
    "license_id",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "contact_name",
    "contact_email",
    "contact_phone",
    "version",
    "private",
    "state",
    "tags",
    "groups",
)


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _parse_date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.setdefault(field, []).append("Enter a date as YYYY-MM-DD.")
        return None


def _tag_names(value: Any, errors: dict[str, list[str]]) -> list[str]:
    """CKAN sends tags as ``[{"name": ...}]``; forms send a comma-separated string."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        errors.setdefault("tags", []).append("Tags must be a list.")
        return []
    names = []
    for item in items:
        name = (item.get("name") if isinstance(item, dict) else item) or ""
        name = str(name).strip()
        if not name:
            continue
        if len(name) > 100 or not re.fullmatch(r"[\w \-.\u4e00-\u9fff]+", name):
            errors.setdefault("tags", []).append(f"Tag {name!r} may contain letters, digits, spaces, - _ . only.")
            continue
        names.append(name)
    return list(dict.fromkeys(names))


def _group_names(value: Any, errors: dict[str, list[str]]) -> list[Theme]:
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        errors.setdefault("groups", []).append("Groups must be a list.")
        return []
    themes = []
    for item in items:
        key = str((item.get("name") or item.get("id")) if isinstance(item, dict) else item).strip()
        if not key:
            continue
        theme = Theme.objects.filter(name=key).first()
        if theme is None and UUID_TEXT.match(key):
            theme = Theme.objects.filter(uid=key).first()
        if theme is None:
            errors.setdefault("groups", []).append(f"Group {key!r} does not exist.")
        else:
            themes.append(theme)
    return themes


def _validated(data: dict[str, Any], dataset: Dataset | None) -> dict[str, Any]:
    """Validate the given fields (all of them on create) into model values; raise ``ValidationFailed``."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    creating = dataset is None
    if creating or "name" in data:
        name = str(data.get("name") or "").strip().lower()
        if not name and data.get("title"):
            name = slugify(str(data["title"]))[:90]
        if not NAME_RE.match(name):
            errors.setdefault("name", []).append("Must be 2-100 characters of lower-case letters, digits, - and _.")
        elif Dataset.objects.filter(name=name).exclude(pk__in=[dataset.pk] if dataset else []).exists():
            errors.setdefault("name", []).append("That URL is already in use.")
        clean["name"] = name
    if creating or "title" in data:
        title = str(data.get("title") or "").strip()
        if not title:
            errors.setdefault("title", []).append("Missing value")
        clean["title"] = title[:200]
    for field in ("title_en", "notes", "contact_name", "contact_phone", "version"):
        if field in data:
            clean[field] = str(data.get(field) or "").strip()
    if creating or "owner_org" in data:
        department = department_by_key(str(data.get("owner_org") or ""))
        if department is None:
            errors.setdefault("owner_org", []).append("Organization does not exist")
        clean["organization"] = department
    if "license_id" in data:
        licence = str(data.get("license_id") or "notspecified")
        if licence not in LICENCES:
            errors.setdefault("license_id", []).append(f"Unknown licence; choose one of {', '.join(LICENCES)}.")
        clean["license_id"] = licence
    if "frequency" in data:
        frequency = str(data.get("frequency") or "")
        if frequency and frequency not in Frequency.values:
            errors.setdefault("frequency", []).append(f"Choose one of {', '.join(Frequency.values)}.")
        clean["frequency"] = frequency
    for field in ("temporal_start", "temporal_end"):
        if field in data:
            clean[field] = _parse_date(data.get(field), field, errors)
    start, end = clean.get("temporal_start"), clean.get("temporal_end")
    if start and end and start > end:
        errors.setdefault("temporal_end", []).append("The end is before the start.")
    if "spatial" in data:
        code = str(data.get("spatial") or "").strip()
        division = Division.objects.filter(pk=code).first() if code else None
        if code and division is None:
            errors.setdefault("spatial", []).append("Unknown division code (GB/T 2260).")
        clean["spatial"] = division
    if data.get("contact_email"):
        try:
            validate_email(str(data["contact_email"]))
            clean["contact_email"] = str(data["contact_email"]).strip()
        except Exception:
            errors.setdefault("contact_email", []).append("Enter a valid e-mail address.")
    elif "contact_email" in data:
        clean["contact_email"] = ""
    if "private" in data:
        clean["private"] = _as_bool(data["private"])
    if "state" in data and data["state"] not in (None, ""):
        state = str(data["state"])
        if state not in (DatasetState.DRAFT, DatasetState.ACTIVE):
            errors.setdefault("state", []).append("Must be 'draft' or 'active'.")
        clean["state"] = state
    if "tags" in data:
        clean["tags"] = _tag_names(data.get("tags"), errors)
    if "groups" in data:
        clean["groups"] = _group_names(data.get("groups"), errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _apply(dataset: Dataset, clean: dict[str, Any]) -> tuple[list[str] | None, list[Theme] | None]:
    tags = clean.pop("tags", None)
    groups = clean.pop("groups", None)
    for field, value in clean.items():
        setattr(dataset, field, value)
    return tags, groups


def refresh_search_fields(dataset: Dataset) -> None:
    """Recompute the denormalised search fields, and stamp the modification time."""
    tag_list = sorted(dataset.tags.values_list("name", flat=True))
    tags = " ".join(tag_list)
    org = dataset.organization
    dataset.search_text = " ".join(
        [dataset.title, dataset.title_en, dataset.notes, tags, org.name, org.name_en, org.short_name, dataset.name]
    ).lower()
    formats = sorted({fmt.upper() for fmt in dataset.resources.values_list("format", flat=True) if fmt})
    dataset.formats = delimited(formats)[:200]
    dataset.tag_names = delimited(tag_list)
    dataset.group_names = delimited(sorted(dataset.themes.values_list("name", flat=True)))[:1000]
    dataset.modified_at = timezone.now()
    Dataset.objects.filter(pk=dataset.pk).update(
        search_text=dataset.search_text,
        formats=dataset.formats,
        tag_names=dataset.tag_names,
        group_names=dataset.group_names,
        modified_at=dataset.modified_at,
    )
    bump_catalogue()


def bump_catalogue() -> None:
    """Mark the catalogue changed (inside the caller's transaction): cached searches stop matching."""
    if not CatalogueVersion.objects.filter(pk=1).update(value=F("value") + 1):
        CatalogueVersion.objects.get_or_create(pk=1, defaults={"value": 1})


def delimited(names: list[str]) -> str:
    """``["A", "B"]`` as ``"|A|B|"``: a value is present when ``"|value|"`` is a substring."""
    return "|" + "|".join(names) + "|" if names else ""


def publication_problems(dataset: Dataset) -> list[str]:
    """Why the dataset cannot be published yet (empty when it can)."""
    problems = []
    for resource in dataset.resources.select_related("current_version"):
        latest = resource.versions.order_by("-number").first()
        if latest is not None and latest.status == VersionStatus.REVIEW:
            problems.append(
                f"Resource {resource.name!r}: decide on the flagged columns "
                f"({', '.join(latest.unresolved_columns)}) before publishing."
            )
        elif latest is not None and latest.status in (
            VersionStatus.SCANNING,
            VersionStatus.LOADING,
            VersionStatus.RECEIVED,
        ):
            problems.append(f"Resource {resource.name!r} is still loading.")
    return problems


def _check_publishable(dataset: Dataset) -> None:
    problems = publication_problems(dataset)
    if problems:
        raise ValidationFailed({"state": problems}, message="Publication is blocked by the personal-data review.")


@transaction.atomic
def create_dataset(actor: Actor, data: dict[str, Any]) -> Dataset:
    clean = _validated(data, None)
    require_publisher(actor, clean["organization"].pk, "opendata.dataset.create")
    dataset = Dataset(creator=actor if isinstance(actor, User) else None)
    tags, groups = _apply(dataset, clean)
    if dataset.state == DatasetState.ACTIVE:
        dataset.published_at = timezone.now()
    try:
        with transaction.atomic():
            dataset.save()
    except IntegrityError:
        raise ValidationFailed({"name": ["That URL is already in use."]}) from None
    _set_relations(dataset, tags, groups)
    refresh_search_fields(dataset)
    audit(actor, "opendata.dataset.created", dataset, summary=dataset.title, data={"state": dataset.state})
    return dataset


def _set_relations(dataset: Dataset, tags: list[str] | None, groups: list[Theme] | None) -> None:
    if tags is not None:
        dataset.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
    if groups is not None:
        dataset.themes.set(groups)


@transaction.atomic
def update_dataset(actor: Actor, dataset: Dataset, data: dict[str, Any], *, partial: bool = True) -> Dataset:
    """``package_patch`` (partial) and ``package_update`` (the given dict replaces the editable fields)."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    require_publisher(actor, dataset.organization_id, "opendata.dataset.update", dataset)
    if dataset.state == DatasetState.DELETED:
        raise Conflict("This dataset was deleted.")
    if not partial:
        data = {field: data.get(field) for field in DATASET_FIELDS if field in data or field not in ("state",)}
        data.setdefault("owner_org", dataset.organization.code)
        data["name"] = data.get("name") or dataset.name
    clean = _validated(data, dataset)
    if "organization" in clean and clean["organization"].pk != dataset.organization_id:
        require_publisher(actor, clean["organization"].pk, "opendata.dataset.move", dataset)
    before = dataset.state
    tags, groups = _apply(dataset, clean)
    if dataset.state == DatasetState.ACTIVE and before != DatasetState.ACTIVE:
        _check_publishable(dataset)
        dataset.published_at = timezone.now()
    dataset.save()
    _set_relations(dataset, tags, groups)
    refresh_search_fields(dataset)
    audit(
        actor,
        "opendata.dataset.updated",
        dataset,
        summary=dataset.title,
        data={"fields": sorted(set(data)), "state": dataset.state},
    )
    return dataset


@transaction.atomic
def publish_dataset(actor: Actor, dataset: Dataset) -> Dataset:
    return update_dataset(actor, dataset, {"state": DatasetState.ACTIVE})


@transaction.atomic
def delete_dataset(actor: Actor, dataset: Dataset) -> None:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    require_publisher(actor, dataset.organization_id, "opendata.dataset.delete", dataset)
    if dataset.state == DatasetState.DELETED:
        return
    dataset.state = DatasetState.DELETED
    dataset.modified_at = timezone.now()
    dataset.save(update_fields=["state", "modified_at"])
    bump_catalogue()
    audit(actor, "opendata.dataset.deleted", dataset, summary=dataset.title)


# Resources and versions ----------------------------------------------------------------------


def _store_upload(upload: UploadedFile) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


@transaction.atomic
def upload_resource(
    actor: Actor,
    dataset: Dataset,
    upload: UploadedFile,
    *,
    resource: Resource | None = None,
    name: str = "",
    description: str = "",
    fmt: str = "",
) -> ResourceVersion:
    """Add a resource (or a new version of ``resource``) from an uploaded file.

    Small files are read, scanned and (when nothing is flagged) loaded before this returns, and a file
    that cannot be read or loaded raises ``ValidationFailed`` naming the row. Larger ones load in the
    background and a failure is kept on the version. The resource serves its current version meanwhile."""
    require_publisher(actor, dataset.organization_id, "opendata.resource.upload", dataset)
    if dataset.state == DatasetState.DELETED:
        raise Conflict("This dataset was deleted.")
    errors: dict[str, list[str]] = {}
    try:
        file_format = ingest.detect_format(upload.name or "", fmt)
    except ingest.UploadError as exc:
        raise ValidationFailed({"upload": [str(exc)]}) from None
    size, sha = _store_upload(upload)
    if size == 0:
        errors["upload"] = ["The file is empty."]
    if size > settings.PENGCHENG_OPENDATA_MAX_UPLOAD_BYTES:
        errors["upload"] = [f"The file is larger than {settings.PENGCHENG_OPENDATA_MAX_UPLOAD_BYTES} bytes."]
    if resource is None and not (name or upload.name):
        errors["name"] = ["Missing value"]
    if errors:
        raise ValidationFailed(errors)
    if resource is None:
        position = dataset.resources.count()
        resource = Resource.objects.create(
            dataset=dataset,
            name=(name or upload.name or "")[:200],
            description=description,
            format=file_format,
            position=position,
        )
    else:
        resource = Resource.objects.select_for_update().get(pk=resource.pk, dataset=dataset)
        resource.format = file_format
        if name:
            resource.name = name[:200]
        if description:
            resource.description = description
        resource.modified_at = timezone.now()
        resource.save()
    number = (resource.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = ResourceVersion(
        resource=resource,
        number=number,
        original_name=(upload.name or "upload")[:255],
        format=file_format,
        size=size,
        sha256=sha,
        uploaded_by=actor if isinstance(actor, User) else None,
    )
    version.file.save(f"{resource.pk}-v{number}.{file_format.lower()}", upload, save=False)
    version.save()
    refresh_search_fields(dataset)
    audit(
        actor,
        "opendata.resource.uploaded",
        version,
        summary=f"{resource.name} v{number}",
        data={"dataset": str(dataset.pk), "format": file_format, "size": size, "sha256": sha},
    )
    if size <= settings.PENGCHENG_OPENDATA_INLINE_BYTES:
        process_version(version.pk)
        version.refresh_from_db()
        if version.status == VersionStatus.FAILED:
            # A small upload is all or nothing: the caller hears why, and no resource or version is kept.
            version.file.delete(save=False)
            raise ValidationFailed({"upload": [version.error]}, message="The file cannot be published.")
    else:
        enqueue("pengcheng.opendata.services.process_version", version.pk)
    return version


@transaction.atomic
def add_link_resource(
    actor: Actor, dataset: Dataset, *, url: str, name: str = "", fmt: str = "", description: str = ""
) -> Resource:
    """A resource that only links to data published elsewhere (no datastore)."""
    from django.core.validators import URLValidator

    require_publisher(actor, dataset.organization_id, "opendata.resource.link", dataset)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except Exception:
        raise ValidationFailed({"url": ["Enter a valid http(s) URL."]}) from None
    resource = Resource.objects.create(
        dataset=dataset,
        name=(name or url.rsplit("/", 1)[-1] or url)[:200],
        description=description,
        format=fmt.strip().upper()[:20],
        url=url,
        position=dataset.resources.count(),
    )
    refresh_search_fields(dataset)
    audit(actor, "opendata.resource.linked", resource, summary=resource.name, data={"url": url})
    return resource


def _set_status(version: ResourceVersion, status: str, **fields: Any) -> None:
    version.status = status
    for key, value in fields.items():
        setattr(version, key, value)
    ResourceVersion.objects.filter(pk=version.pk).update(status=status, **fields)


def _index_columns(headers: list[str], types: list[str], table: ingest.Table) -> list[bool]:
    """Index every non-text column and every short text column (the ones people filter on)."""
    lengths = [0] * len(headers)
    counts = [0] * len(headers)
    for number, row in enumerate(table.rows()):
        if number >= 2000:
            break
        for index, value in enumerate(row):
            text = ingest.as_text(value)
            if text:
                lengths[index] += len(text)
                counts[index] += 1
    return [
        kind != "text" or (counts[i] > 0 and lengths[i] / counts[i] <= 64 and headers[i] != "geometry")
        for i, kind in enumerate(types)
    ][:32]


def process_version(version_id: int) -> None:
    """Read the upload, infer column types, scan for personal data; load it when nothing is flagged.

    Runs inline for small files and as a background job for large ones."""
    version = ResourceVersion.objects.select_related("resource").get(pk=version_id)
    if version.status not in (VersionStatus.RECEIVED, VersionStatus.SCANNING):
        return
    _set_status(version, VersionStatus.SCANNING)
    try:
        table = ingest.open_table(version.file.path, version.format)
        types = ingest.infer_types(table.headers, table.rows())
        findings = pii.scan(table.headers, table.rows())
        indexed = _index_columns(table.headers, types, table)
        rows_total = sum(1 for _ in table.rows())
    except ingest.UploadError as exc:
        _set_status(version, VersionStatus.FAILED, error=str(exc))
        return
    except Exception:  # a reader library failing on a hostile file must not leave the version stuck
        logger.exception("reading resource version %s failed", version.pk)
        _set_status(version, VersionStatus.FAILED, error="The file could not be read.")
        return
    columns = [
        {"id": header, "type": kind, "source": header, "index": bool(indexed[i]) if i < len(indexed) else False}
        for i, (header, kind) in enumerate(zip(table.headers, types, strict=True))
    ]
    if findings:
        _set_status(version, VersionStatus.REVIEW, columns=columns, findings=findings, rows_total=rows_total)
        return
    _set_status(version, VersionStatus.LOADING, columns=columns, findings=[], rows_total=rows_total)
    load_version(version.pk)


@transaction.atomic
def review_version(actor: Actor, version: ResourceVersion, decisions: dict[str, dict[str, str]]) -> ResourceVersion:
    """Record the officer's decision on each flagged column (mask, drop, or justify) and load.

    Every flagged column needs a decision; a justification needs a reason. The decisions are audited."""
    version = ResourceVersion.objects.select_for_update().select_related("resource__dataset").get(pk=version.pk)
    dataset = version.resource.dataset
    require_publisher(actor, dataset.organization_id, "opendata.resource.review", version)
    if version.status != VersionStatus.REVIEW:
        raise Conflict("This version is not waiting for a personal-data review.")
    errors: dict[str, list[str]] = {}
    recorded: dict[str, dict[str, str]] = {}
    flagged = {finding["column"] for finding in version.findings}
    for column in sorted(flagged):
        decision = decisions.get(column) or {}
        action = decision.get("action", "")
        reason = (decision.get("justification") or "").strip()
        if action not in REVIEW_ACTIONS:
            errors[column] = ["Choose mask, drop or justify."]
        elif action == "justify" and len(reason) < 10:
            errors[column] = ["Give a justification of at least 10 characters."]
        else:
            recorded[column] = {
                "action": action,
                "justification": reason,
                "by": getattr(actor, "username", str(actor)),
                "at": timezone.now().isoformat(),
            }
    unknown = set(decisions) - flagged
    if unknown:
        errors["decisions"] = [f"Not a flagged column: {', '.join(sorted(unknown))}"]
    if errors:
        raise ValidationFailed(errors, message="Decide on every flagged column.")
    columns = [column for column in version.columns if recorded.get(column["id"], {}).get("action") != "drop"]
    if not columns:
        raise ValidationFailed({"decisions": ["Dropping every column leaves nothing to publish."]})
    version.decisions = recorded
    version.status = VersionStatus.LOADING
    version.save(update_fields=["decisions", "status"])
    audit(
        actor,
        "opendata.resource.reviewed",
        version,
        summary=f"{version.resource.name} v{version.number}",
        data={
            "dataset": str(dataset.pk),
            "decisions": {
                col: {"action": d["action"], "justification": d["justification"]} for col, d in recorded.items()
            },
            "findings": [
                {"column": f["column"], "kinds": f["kinds"], "matches": f["matches"]} for f in version.findings
            ],
        },
    )
    _schedule_load(version)
    return version


def _schedule_load(version: ResourceVersion) -> None:
    if version.size <= settings.PENGCHENG_OPENDATA_INLINE_BYTES:
        load_version(version.pk)
        version.refresh_from_db()
    else:
        enqueue("pengcheng.opendata.services.load_version", version.pk)


def _transformer(
    version: ResourceVersion, headers: list[str]
) -> tuple[list[dict[str, Any]], Callable[[list[Any]], list[Any]]]:
    """The columns that are loaded and a function applying the review's masks and drops to a row."""
    by_source = {column["source"]: column for column in version.columns}
    findings = {finding["column"]: finding["kinds"] for finding in version.findings}
    plan: list[tuple[int, list[str] | None]] = []
    columns: list[dict[str, Any]] = []
    for index, header in enumerate(headers):
        column = by_source.get(header)
        decision = version.decisions.get(header, {}).get("action")
        if column is None or decision == "drop":
            continue
        plan.append((index, findings.get(header) if decision == "mask" else None))
        masked = decision == "mask"
        columns.append({**column, "type": "text" if masked else column["type"]})

    def transform(row: list[Any]) -> list[Any]:
        return [pii.mask(row[index], kinds) if kinds else row[index] for index, kinds in plan]

    return columns, transform


def load_version(version_id: int, *, types: dict[str, str] | None = None) -> bool:
    """Load a version into a new table and make it the resource's current version.

    Loading happens outside any long transaction, so its progress is visible; only the final swap is
    atomic. On failure the new table is dropped, the error kept, and the resource goes on serving
    its previous version. Returns True on success."""
    version = ResourceVersion.objects.select_related("resource").get(pk=version_id)
    retype = version.status == VersionStatus.LOADED
    if version.status not in (VersionStatus.LOADING, VersionStatus.LOADED):
        return False
    table = ingest.open_table(version.file.path, version.format)
    columns, transform = _transformer(version, table.headers)
    if types:
        columns = [{**column, "type": types.get(column["id"], column["type"])} for column in columns]
    name = datastore.new_table_name()

    def progress(count: int) -> None:
        ResourceVersion.objects.filter(pk=version.pk).update(rows_loaded=count)

    # Inside a caller's transaction a savepoint keeps a failed load from poisoning it; on its own the
    # load commits batch by batch, so a background job's progress is visible.
    guard = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with guard:
            datastore.create_table(name, [column["type"] for column in columns])
            count = datastore.load(name, columns, table.rows(), transform=transform, progress=progress)
            datastore.create_indexes(name, [i for i, column in enumerate(columns) if column.get("index")])
    except (datastore.LoadError, ingest.UploadError) as exc:
        datastore.drop_table(name)
        message = str(exc) if not isinstance(exc, datastore.LoadError) else f"row {exc.row}: {exc}"
        if retype:
            raise ValidationFailed(
                {exc.column if isinstance(exc, datastore.LoadError) and exc.column else "types": [message]}
            ) from None
        _set_status(version, VersionStatus.FAILED, error=message)
        return False
    except Exception:
        datastore.drop_table(name)
        logger.exception("loading resource version %s failed", version.pk)
        if retype:
            raise
        _set_status(version, VersionStatus.FAILED, error="The load failed unexpectedly; it has been logged.")
        return False
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=version.resource_id)
        old_table = version.table_name if retype else ""
        previous = resource.current_version
        stored = {column["id"]: column for column in columns}
        ResourceVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.LOADED,
            table_name=name,
            rows_loaded=count,
            rows_total=count,
            error="",
            loaded_at=timezone.now(),
            columns=[
                {**column, **stored.get(column["id"], {})} for column in version.columns if column["id"] in stored
            ],
        )
        if previous is not None and previous.pk != version.pk:
            ResourceVersion.objects.filter(pk=previous.pk).update(status=VersionStatus.SUPERSEDED)
        resource.current_version_id = version.pk
        resource.modified_at = timezone.now()
        resource.save(update_fields=["current_version", "modified_at"])
        refresh_search_fields(resource.dataset)
        audit(
            SYSTEM,
            "opendata.resource.loaded",
            version,
            summary=f"{resource.name} v{version.number}: {count} rows",
            data={"table": name, "rows": count, "retyped": bool(types)},
        )
    if old_table:
        transaction.on_commit(lambda: datastore.drop_table(old_table))
    return True


@transaction.atomic
def set_column_types(actor: Actor, version: ResourceVersion, types: dict[str, str]) -> ResourceVersion:
    """Change inferred column types. Before loading they are simply stored; on a loaded version the
    data is reloaded into a new table, and a value that does not fit refuses the change."""
    version = ResourceVersion.objects.select_related("resource__dataset").get(pk=version.pk)
    require_publisher(actor, version.resource.dataset.organization_id, "opendata.resource.types", version)
    known = {column["id"] for column in version.columns}
    errors = {
        name: [f"Choose one of {', '.join(ingest.TYPES)}."] for name, kind in types.items() if kind not in ingest.TYPES
    }
    errors.update({name: ["Not a column of this resource."] for name in types if name not in known})
    if errors:
        raise ValidationFailed(errors)
    changed = {
        name: kind
        for name, kind in types.items()
        if any(c["id"] == name and c["type"] != kind for c in version.columns)
    }
    if not changed:
        return version
    if version.status == VersionStatus.REVIEW:
        version.columns = [{**column, "type": changed.get(column["id"], column["type"])} for column in version.columns]
        version.save(update_fields=["columns"])
    elif version.status == VersionStatus.LOADED:
        load_version(version.pk, types=changed)
    else:
        raise Conflict("Column types can be changed while the version waits for review or once it is loaded.")
    audit(actor, "opendata.resource.retyped", version, summary=str(version), data={"types": changed})
    version.refresh_from_db()
    return version


@transaction.atomic
def retry_version(actor: Actor, version: ResourceVersion) -> ResourceVersion:
    """Load a failed version again (e.g. after the types were corrected)."""
    version = ResourceVersion.objects.select_related("resource__dataset").get(pk=version.pk)
    require_publisher(actor, version.resource.dataset.organization_id, "opendata.resource.retry", version)
    if version.status != VersionStatus.FAILED or not version.columns:
        raise Conflict("Only a version that failed to load after its review can be retried.")
    _set_status(version, VersionStatus.LOADING, error="")
    audit(actor, "opendata.resource.retried", version, summary=str(version))
    _schedule_load(version)
    return version


def get_dataset(key: str) -> Dataset:
    """A dataset by id or name (CKAN accepts either)."""
    key = str(key or "").strip()
    dataset = None
    if UUID_TEXT.match(key):
        dataset = Dataset.objects.filter(pk=key).first()
    if dataset is None:
        dataset = Dataset.objects.filter(name=key).first()
    if dataset is None:
        raise NotFound("Dataset not found")
    return dataset
