"""API: the personal data vault (个人数据宝) of the logged-in citizen or enterprise — own
records, a findUsage-style list of every access to them, consents to third parties with
receipts, correction requests — and the data stewards' answers to correction requests.

Handlers parse, call one vault service or selector and serialise; who may see or do what is
decided there (someone else's consent or request answers 404)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from onetrip.accounts.models import Role
from onetrip.core.auth import STAFF_KINDS, applicant_auth, auth_for
from onetrip.core.templatetags.onetrip_tags import localized
from onetrip.datahub.models import ApiClient, Consent, CorrectionRequest, Dataset
from onetrip.datahub.selectors.vault import (
    MAX_USAGE_LIMIT,
    VaultAccess,
    access_consent,
    access_correction,
    consents_of,
    correction_queue,
    corrections_of,
    third_party_clients,
    vault_accesses,
    vault_records,
)
from onetrip.datahub.services.vault import (
    consent_grant,
    consent_revoke,
    correction_accept,
    correction_reject,
    correction_request_file,
)

router = Router()
steward_auth = auth_for(STAFF_KINDS, (Role.DATA_STEWARD, Role.SYSTEM_ADMIN))

# --------------------------------------------------------------------------- schemas


class UsageQuery(Schema):
    since: dt.date | None = Field(None, description="First day of the period (Beijing time)")
    until: dt.date | None = Field(None, description="Last day of the period, included")
    offset: int = Field(0, ge=0)
    limit: int = Field(20, ge=1, le=MAX_USAGE_LIMIT)


class UsageItemOut(Schema):
    created_at: dt.datetime
    who: str = Field(..., description="The system or third party that read")
    organisation: str = Field(..., description="Its department or organisation")
    dataset_code: str
    dataset_name: str
    fields: list[str]
    field_labels: list[str]
    purpose: str
    case_number: str
    own_case: bool = Field(..., description="The case is one of my own applications")
    outcome: str = Field(..., description="ok, or why the read was refused or found nothing")
    formerly_covert: bool = Field(
        ..., description="Kept from me while its case was open, as the law allows"
    )
    consent_receipt: str = Field("", description="The consent it read under, if any")

    @staticmethod
    def resolve_formerly_covert(obj: VaultAccess) -> bool:
        return obj.hidden


class UsageOut(Schema):
    total: int
    offset: int
    limit: int
    items: list[UsageItemOut]


class FieldOut(Schema):
    name: str
    label: str
    type: str
    grade: str

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return localized(obj, "label")


class DatasetRefOut(Schema):
    code: str
    name: str
    department: str

    @staticmethod
    def resolve_name(obj: Dataset) -> str:
        return localized(obj)

    @staticmethod
    def resolve_department(obj: Dataset) -> str:
        return localized(obj.department)


class RecordsOut(Schema):
    dataset: DatasetRefOut
    key_field: str
    fields: list[FieldOut]
    records: list[dict[str, Any]]


class ClientOut(Schema):
    id: int
    name: str
    organisation_name: str
    organisation_uscc: str


class ConsentOut(Schema):
    receipt_number: str
    status: str
    client: ClientOut
    dataset: DatasetRefOut
    fields: list[str]
    purpose: str
    valid_until: dt.date
    granted_at: dt.datetime
    revoked_at: dt.datetime | None


class AuditRefOut(Schema):
    seq: int
    hash: str
    created_at: dt.datetime


class ConsentReceiptOut(ConsentOut):
    """A consent as its receipt: with the audit entries of its grant and revocation."""

    field_labels: list[str]
    grant_entry: AuditRefOut | None
    revoke_entry: AuditRefOut | None


class ConsentIn(Schema):
    client_id: int
    dataset_code: str = Field(..., max_length=64)
    fields: list[str] = Field(..., max_length=200)
    purpose: str = Field(..., max_length=200)
    valid_until: dt.date


class CorrectionOut(Schema):
    number: str
    status: str
    dataset: DatasetRefOut
    record_key: str
    field_name: str
    current_value: str
    proposed_value: str
    reason: str
    deadline: dt.date
    decision_reason: str
    decided_at: dt.datetime | None
    created_at: dt.datetime


class CorrectionIn(Schema):
    dataset_code: str = Field(..., max_length=64)
    record_key: str = Field(..., max_length=64)
    field_name: str = Field(..., max_length=64)
    proposed_value: str = Field(..., max_length=500)
    reason: str = Field(..., max_length=2000)


class StewardCorrectionOut(CorrectionOut):
    subject_key: str
    requester: str

    @staticmethod
    def resolve_requester(obj: CorrectionRequest) -> str:
        return str(obj.requester)


class DecisionIn(Schema):
    reason: str = Field("", max_length=2000)


# --------------------------------------------------------------------------- my data


@router.get(
    "/me/data/usage",
    response=UsageOut,
    auth=applicant_auth,
    summary="findUsage: every access to my data, newest first",
    description=(
        "Sharing calls that touched my records in the period (dates in Beijing time, both "
        "included), paged by offset and limit (at most 100). Refused attempts are listed with "
        "their outcome. Covert accesses appear once their case is closed, flagged."
    ),
)
def my_usage(request: HttpRequest, query: Query[UsageQuery]) -> dict[str, Any]:
    total, rows = vault_accesses(
        user=request.auth,
        since=query.since,
        until=query.until,
        offset=query.offset,
        limit=query.limit,
    )
    return {"total": total, "offset": query.offset, "limit": query.limit, "items": rows}


@router.get(
    "/me/data/records",
    response=list[RecordsOut],
    auth=applicant_auth,
    summary="Every record about me, by dataset",
)
def my_records(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "dataset": dataset,
            "key_field": dataset.key_field,
            "fields": list(dataset.fields.all()),
            "records": records,
        }
        for dataset, records in vault_records(user=request.auth)
    ]


@router.get(
    "/me/data/third-parties",
    response=list[ClientOut],
    auth=applicant_auth,
    summary="Third parties I may authorise",
)
def my_third_parties(request: HttpRequest) -> QuerySet[ApiClient]:
    return third_party_clients()


@router.get(
    "/me/data/consents",
    response=list[ConsentOut],
    auth=applicant_auth,
    summary="My consents to third parties, newest first",
)
@paginate(PageNumberPagination, page_size=50)
def my_consents(request: HttpRequest) -> QuerySet[Consent]:
    return consents_of(user=request.auth)


@router.post(
    "/me/data/consents",
    response={201: ConsentReceiptOut},
    auth=applicant_auth,
    summary="Authorise a third party to read named fields for a purpose until a date",
)
def my_consent_grant(request: HttpRequest, payload: ConsentIn) -> Status:
    consent = consent_grant(
        subject=request.auth,
        client_id=payload.client_id,
        dataset_code=payload.dataset_code,
        fields=payload.fields,
        purpose=payload.purpose,
        valid_until=payload.valid_until,
    )
    return Status(201, access_consent(user=request.auth, receipt_number=consent.receipt_number))


@router.get(
    "/me/data/consents/{receipt_number}",
    response=ConsentReceiptOut,
    auth=applicant_auth,
    summary="The receipt of one of my consents",
)
def my_consent(request: HttpRequest, receipt_number: str) -> Consent:
    return access_consent(user=request.auth, receipt_number=receipt_number)


@router.post(
    "/me/data/consents/{receipt_number}/revoke",
    response=ConsentReceiptOut,
    auth=applicant_auth,
    summary="Revoke a consent, effective on the third party's next read",
)
def my_consent_revoke(request: HttpRequest, receipt_number: str) -> Consent:
    consent = access_consent(user=request.auth, receipt_number=receipt_number)
    consent_revoke(subject=request.auth, consent_id=consent.pk)
    return access_consent(user=request.auth, receipt_number=receipt_number)


@router.get(
    "/me/data/corrections",
    response=list[CorrectionOut],
    auth=applicant_auth,
    summary="My correction requests, newest first",
)
@paginate(PageNumberPagination, page_size=50)
def my_corrections(request: HttpRequest) -> QuerySet[CorrectionRequest]:
    return corrections_of(user=request.auth)


@router.post(
    "/me/data/corrections",
    response={201: CorrectionOut},
    auth=applicant_auth,
    summary="Ask the owning department to correct a field of a record about me",
)
def my_correction_file(request: HttpRequest, payload: CorrectionIn) -> Status:
    correction = correction_request_file(
        requester=request.auth,
        dataset_code=payload.dataset_code,
        record_key=payload.record_key,
        field_name=payload.field_name,
        proposed_value=payload.proposed_value,
        reason=payload.reason,
    )
    return Status(201, correction)


@router.get(
    "/me/data/corrections/{number}",
    response=CorrectionOut,
    auth=applicant_auth,
    summary="One of my correction requests",
)
def my_correction(request: HttpRequest, number: str) -> CorrectionRequest:
    return access_correction(user=request.auth, number=number)


# --------------------------------------------------------------------------- stewards


@router.get(
    "/data/corrections",
    response=list[StewardCorrectionOut],
    auth=steward_auth,
    summary="Open correction requests on my department's datasets, earliest deadline first",
)
@paginate(PageNumberPagination, page_size=50)
def steward_queue(request: HttpRequest) -> QuerySet[CorrectionRequest]:
    return correction_queue(steward=request.auth)


@router.get(
    "/data/corrections/{number}",
    response=StewardCorrectionOut,
    auth=steward_auth,
    summary="One correction request of my department's datasets",
)
def steward_correction(request: HttpRequest, number: str) -> CorrectionRequest:
    return access_correction(user=request.auth, number=number)


@router.post(
    "/data/corrections/{number}/accept",
    response=StewardCorrectionOut,
    auth=steward_auth,
    summary="Accept: the record is corrected, its old value kept as a version",
)
def steward_accept(request: HttpRequest, number: str, payload: DecisionIn) -> CorrectionRequest:
    correction = access_correction(user=request.auth, number=number)
    return correction_accept(
        steward=request.auth, correction_id=correction.pk, reason=payload.reason
    )


@router.post(
    "/data/corrections/{number}/reject",
    response=StewardCorrectionOut,
    auth=steward_auth,
    summary="Reject, with a reason the requester is told",
)
def steward_reject(request: HttpRequest, number: str, payload: DecisionIn) -> CorrectionRequest:
    correction = access_correction(user=request.auth, number=number)
    return correction_reject(
        steward=request.auth, correction_id=correction.pk, reason=payload.reason
    )
