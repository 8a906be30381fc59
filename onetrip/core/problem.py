"""RFC 9457 problem details (`application/problem+json`): the one shape every API error has.

A problem is {"type", "title", "status", "detail", "instance"} plus, where they apply,
"errors": [{"field", "message"}] for validation failures and "missing": [...] for the
one-time notice of missing materials. `type` is "https://onetrip.dev/problems/<slug>".
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse

from onetrip.core.errors import DomainError

PROBLEM_BASE = "https://onetrip.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# Titles and slugs for bare HTTP statuses (framework errors that carry no domain error).
STATUS_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("wrong-state", "Action not allowed in the current state"),
    413: ("payload-too-large", "Upload too large"),
    415: ("unsupported-media-type", "Unsupported file type"),
    422: ("validation-failed", "Validation failed"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal server error"),
}


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


def problem_body(
    *,
    status: int,
    slug: str | None = None,
    title: str | None = None,
    detail: str = "",
    instance: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """The problem document as a dict; `extra` members are added after the standard ones."""
    default_slug, default_title = STATUS_PROBLEMS.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": problem_type(slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail or title or default_title,
    }
    if instance:
        body["instance"] = instance
    for key, value in extra.items():
        if key not in body and value is not None:
            body[key] = value
    return body


def problem_response(
    request: HttpRequest | None,
    *,
    status: int,
    slug: str | None = None,
    title: str | None = None,
    detail: str = "",
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """An HttpResponse holding a problem document; `instance` is the request path."""
    body = problem_body(
        status=status,
        slug=slug,
        title=title,
        detail=detail,
        instance=request.path if request is not None else "",
        **extra,
    )
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def domain_error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Any DomainError, generically: its status, slug, title and detail; `field` becomes an
    `errors` entry and every `extra` keyword (e.g. `missing`) a member of the document."""
    extra = dict(exc.extra)
    if "errors" in extra:
        extra["errors"] = _normalise_errors(extra["errors"])
    elif exc.field:
        extra["errors"] = [{"field": exc.field, "message": str(exc.detail)}]
    return problem_response(
        request,
        status=exc.status,
        slug=exc.type_slug,
        title=str(exc.title),
        detail=str(exc.detail),
        **extra,
    )


def _normalise_errors(errors: Any) -> list[dict[str, str]]:
    """Services list errors as {"field", "message"} dicts; messages may be lazy strings."""
    return [{"field": str(e["field"]), "message": str(e["message"])} for e in errors or []]


_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
# Name of the body parameter in our handlers; dropped from field paths.
_BODY_PARAM_NAMES = {"payload"}


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """ninja/pydantic error dicts turned into [{"field": "a.b", "message": ...}]."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in _BODY_PARAM_NAMES:
            loc = loc[1:]
        out.append({"field": ".".join(loc) or "body", "message": str(error.get("msg", ""))})
    return out
