"""API: the sharing API (共享调用) for API clients, under /api/v1/share.

A client authenticates with `Authorization: Bearer <key_id>.<secret>` and names the purpose of
every read in `X-Purpose` (and, where it serves a case, the case in `X-Case-Number`, like
X-Road's issue header; `X-Covert: 1` marks an access the law lets stay covert until the case
is closed). Header values may be UTF-8 or percent-encoded UTF-8.

Handlers parse, call `share_read` (or the grant services) and serialise: every check, the
masking and the log are there."""

import datetime as dt
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from onetrip.core.errors import NotFound, TooManyAttempts
from onetrip.core.problem import domain_error_response
from onetrip.datahub.models import AccessGrant, ApiClient
from onetrip.datahub.records import MAX_KEYS
from onetrip.datahub.selectors.sharing import grants_of_api_client
from onetrip.datahub.services.sharing import (
    ShareResult,
    client_authenticate,
    grant_request,
    share_read,
)

router = Router()


def _header(request: HttpRequest, name: str) -> str:
    """A header's text: raw UTF-8 (which WSGI hands over as Latin-1) or percent-encoded."""
    value = request.headers.get(name, "")
    try:
        value = value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    return unquote(value) if "%" in value else value


class ClientAuth(HttpBearer):
    """`Authorization: Bearer <key_id>.<secret>` of an API client (not a user's token)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient:
        match = getattr(request, "resolver_match", None)
        return client_authenticate(
            token=token,
            dataset_code=(match.kwargs.get("dataset", "") if match else ""),
            purpose=_header(request, "X-Purpose"),
        )


client_auth = ClientAuth()

# --------------------------------------------------------------------------- schemas


class RecordOut(Schema):
    dataset: str
    key: str
    record: dict[str, Any]
    masked: list[str] = Field(..., description="Fields shown masked (graded above the grant)")
    call_id: int = Field(..., description="The sharing log entry of this read")


class BatchIn(Schema):
    keys: list[str] = Field(..., description=f"At most {MAX_KEYS} keys")
    fields: list[str] | None = Field(None, description="Default: every granted field")


class BatchOut(Schema):
    dataset: str
    records: dict[str, dict[str, Any]]
    missing: list[str]
    masked: list[str]
    call_id: int


class GrantIn(Schema):
    dataset: str
    fields: list[str]
    purpose: str
    legal_basis: str
    expires_on: dt.date


class GrantOut(Schema):
    id: int
    dataset: str
    fields: list[str]
    purpose: str
    legal_basis: str
    max_grade: str
    expires_on: dt.date
    status: str
    reason: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_dataset(obj: AccessGrant) -> str:
        return obj.dataset.code


# --------------------------------------------------------------------------- reads


def _read(
    request: HttpRequest, dataset: str, keys: list[str], fields: list[str] | None
) -> ShareResult | HttpResponse:
    try:
        return share_read(
            client=request.auth,  # type: ignore[attr-defined]
            dataset_code=dataset,
            keys=keys,
            fields=fields,
            purpose=_header(request, "X-Purpose"),
            case_number=_header(request, "X-Case-Number"),
            hidden=request.headers.get("X-Covert", "").strip() == "1",
        )
    except TooManyAttempts as exc:
        response = domain_error_response(request, exc)
        response["Retry-After"] = str(exc.extra.get("retry_after", 60))
        return response


@router.get(
    "/{dataset}/records/{key}",
    response=RecordOut,
    auth=client_auth,
    summary="Read one record by key (granted fields only; logged)",
)
def share_record(
    request: HttpRequest, dataset: str, key: str, fields: str = ""
) -> dict[str, Any] | HttpResponse:
    names = [f.strip() for f in fields.split(",") if f.strip()] or None
    result = _read(request, dataset, [key], names)
    if isinstance(result, HttpResponse):
        return result
    if key not in result.records:
        raise NotFound("No record of this dataset has this key.")
    return {
        "dataset": result.dataset_code,
        "key": key,
        "record": result.records[key],
        "masked": result.masked,
        "call_id": result.call_id,
    }


@router.post(
    "/{dataset}/records:batch",
    response=BatchOut,
    auth=client_auth,
    summary=f"Read up to {MAX_KEYS} records by key (granted fields only; one log entry)",
)
def share_batch(request: HttpRequest, dataset: str, payload: BatchIn) -> Any:
    result = _read(request, dataset, payload.keys, payload.fields)
    if isinstance(result, HttpResponse):
        return result
    return {
        "dataset": result.dataset_code,
        "records": result.records,
        "missing": result.missing,
        "masked": result.masked,
        "call_id": result.call_id,
    }


# --------------------------------------------------------------------------- grants


@router.post(
    "/grants",
    response={201: GrantOut},
    auth=client_auth,
    summary="Ask for access to fields of a dataset (unconditional datasets: granted at once)",
)
def grant_ask(request: HttpRequest, payload: GrantIn) -> Any:
    grant = grant_request(
        client=request.auth,  # type: ignore[attr-defined]
        dataset_code=payload.dataset,
        fields=payload.fields,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        expires_on=payload.expires_on,
    )
    return Status(201, grant)


@router.get(
    "/grants", response=list[GrantOut], auth=client_auth, summary="This client's own grants"
)
def grant_list(request: HttpRequest) -> Any:
    return list(grants_of_api_client(client=request.auth))  # type: ignore[attr-defined]
