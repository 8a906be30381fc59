"""The JSON API under /api/v1: one NinjaAPI, every error as RFC 9457 problem+json.

Routers live in each app's `api.py`; this module only mounts them and turns every failure
(domain errors, schema validation, malformed JSON, auth, unknown URLs) into a problem.
"""

import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onetrip.accounts.api import router as accounts_router
from onetrip.cases.api import applications_router, staff_router
from onetrip.catalog.api import router as catalog_router
from onetrip.core.errors import DomainError
from onetrip.core.problem import domain_error_response, field_errors, problem_response
from onetrip.datahub.api import router as datahub_router
from onetrip.notify.api import router as notify_router

logger = logging.getLogger("onetrip.api")

API_DESCRIPTION = """\
The onetrip platform API: the public service catalog, applications (apply with one ID,
instant approval), the staff case workflow, e-licence verification and the message centre.

Authenticate with `Authorization: Bearer <token>` (get a token from `POST /auth/tokens`) or
with the session cookie of the web pages (send `X-CSRFToken` on writes). Every error is an
RFC 9457 `application/problem+json` document.
"""


def _problem_405(view: Any) -> Any:
    """Wrap a ninja path view so a method it does not serve answers with a problem."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return problem_response(
                request,
                status=405,
                detail=f"{request.method} is not allowed here; use {response['Allow']}.",
                headers={"Allow": response["Allow"]},
            )
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _unknown_url(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return problem_response(request, status=404, detail=f"No API endpoint at {request.path}.")


_unknown_url.csrf_exempt = True  # type: ignore[attr-defined]


def _index(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    base = request.path.rstrip("/")
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": f"{base}/openapi.json",
            "docs": f"{base}/docs",
        }
    )


class OnetripAPI(NinjaAPI):
    """NinjaAPI whose URL list answers unknown paths and methods with problem+json too, and
    whose root describes where the documents are."""

    def _get_urls(self) -> list[Any]:
        urls = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                pattern = URLPattern(pattern.pattern, _index, pattern.default_args, pattern.name)
            elif isinstance(pattern, URLPattern) and pattern.name not in {
                "openapi-json",
                "openapi-view",
            }:
                pattern = URLPattern(
                    pattern.pattern,
                    _problem_405(pattern.callback),
                    pattern.default_args,
                    pattern.name,
                )
            urls.append(pattern)
        urls.append(re_path(r"^.*$", _unknown_url, name="unknown"))
        return urls


api = OnetripAPI(
    title="onetrip API",
    version="1",
    description=API_DESCRIPTION,
    urls_namespace="api-v1",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_error_response(request, exc)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = field_errors(exc.errors)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid request."
    return problem_response(request, status=422, detail=detail, errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request,
        status=401,
        detail="Log in, or send a valid, unrevoked token as 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": 'Bearer realm="onetrip"'},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request, cause)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return problem_response(
            request,
            status=400,
            slug="malformed-json",
            title="Malformed JSON",
            detail="The request body is not valid JSON.",
        )
    return problem_response(request, status=exc.status_code, detail=str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(
        request,
        status=413,
        detail=f"The request is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
    )


@api.exception_handler(MultiPartParserError)
@api.exception_handler(SuspiciousOperation)
def _bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, status=400, detail=str(exc) or "Bad request.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, status=404, detail="Not found.")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, status=403, detail=str(exc) or "Forbidden.")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(request, status=500, detail="An unexpected error occurred.")


api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/applications", applications_router, tags=["applications"])
api.add_router("/staff", staff_router, tags=["staff"])
api.add_router("", datahub_router, tags=["licences"])
api.add_router("/me/messages", notify_router, tags=["messages"])
api.add_router("/auth", accounts_router, tags=["auth"])

if getattr(settings, "ONETRIP_BENCH_ENDPOINTS", False):
    from onetrip.core.api_bench import router as bench_router  # only when benchmarking

    api.add_router("", bench_router, tags=["bench"])
