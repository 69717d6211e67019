"""The JSON API at /api/v1/: django-ninja, one error envelope, session or API-key authentication.

Each app contributes ``router`` in its ``api.py``; it is mounted at ``/api/v1/<app label>/`` unless
the module sets ``API_PREFIX``.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import AccessDenied, DomainError, ValidationFailed
from pengcheng.core.middleware import audit_denial
from pengcheng.core.models import ApiKey
from pengcheng.core.selectors import api_key_for

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def error_envelope(status: int, message: str, *, code: str | None = None, details: Any = None) -> JsonResponse:
    """The one shape of every API error: ``{"error": {"status", "code", "message", "details"}}``."""
    body: dict[str, Any] = {"status": status, "code": code or STATUS_CODES.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    return JsonResponse({"error": body}, status=status, json_dumps_params={"ensure_ascii": False})


class ApiKeyAuth(APIKeyHeader):
    """``X-API-Key: pck_…``"""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        found = api_key_for(key or "")
        if found is not None:
            request.api_key = found  # type: ignore[attr-defined]
        return found


class BearerKeyAuth(HttpBearer):
    """``Authorization: Bearer pck_…``"""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        found = api_key_for(token)
        if found is not None:
            request.api_key = found  # type: ignore[attr-defined]
        return found


session_auth = SessionAuth()
AUTH = [ApiKeyAuth(), BearerKeyAuth(), session_auth]


def actor_of(request: HttpRequest) -> MaybeActor:
    """Who a request acts as: the signed-in user, or the owner of the API key used."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    key: ApiKey | None = getattr(request, "api_key", None)
    if key is not None and key.owner is not None:
        return key.owner
    return AnonymousUser()


class Pagination(LimitOffsetPagination):
    """``limit``/``offset`` paging with bounds, so that a huge number is a 422 naming the parameter,
    not an integer overflow in the database."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=2**31 - 1)


def require_scope(request: HttpRequest, scope: str) -> None:
    """API-key callers need ``scope``; signed-in users are checked by the services instead."""
    key: ApiKey | None = getattr(request, "api_key", None)
    if key is not None and not key.has_scope(scope):
        raise AccessDenied(f"api.{scope}", reason=f"this API key lacks the {scope!r} scope")


api = NinjaAPI(
    title="Pengcheng API",
    version="1",
    description="Pengcheng (鹏城) digital-government platform. Authenticate with a session or an API key.",
    urls_namespace="api-v1",
    auth=AUTH,
)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {
            "field": ".".join(str(part) for part in error.get("loc", [])),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return error_envelope(422, "Request validation failed.", details=details)


@api.exception_handler(ValidationFailed)
def _validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    details = [
        {"field": field, "message": message} for field, messages in exc.field_errors.items() for message in messages
    ]
    return error_envelope(422, str(exc.message), code=exc.code, details=details)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_envelope(401, "Authentication required: sign in or send a valid API key.")


@api.exception_handler(AccessDenied)
def _access_denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    audit_denial(request, exc)
    return error_envelope(403, exc.reason or "Not allowed.", code="forbidden")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_envelope(403, str(exc) or "Not allowed.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_envelope(404, str(exc) or "Not found.")


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_envelope(exc.status, str(exc.message), code=exc.code, details=exc.details)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_envelope(exc.status_code, str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG:
        raise exc
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return error_envelope(500, "An unexpected error occurred; it has been logged.")


def _mount_app_routers() -> None:
    for app in settings.PENGCHENG_APPS:
        try:
            module = import_module(f"{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.api":
                raise
            continue
        router = getattr(module, "router", None)
        if router is None:
            continue
        label = app.rsplit(".", 1)[-1]
        api.add_router(getattr(module, "API_PREFIX", f"/{label}/"), router)


_mount_app_routers()
