"""API: applications (applicants) and the case workflow (staff).

Handlers parse, call one service or selector (after `access_case`, which looks up and checks
access in one go) and serialise. Every rule lives in `cases.services` / `cases.permissions`.
"""

import datetime as dt
import json
from typing import Any, Literal

import pydantic
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile as UploadedFileParam
from ninja.pagination import PageNumberPagination, PaginationBase, paginate

from onetrip.cases import services
from onetrip.cases.models import Case, CaseEvent, CaseState, DeliveryMethod
from onetrip.cases.permissions import access_case
from onetrip.cases.selectors import (
    available_actions,
    case_history,
    case_list_for_applicant,
    case_queue,
    sla_state,
)
from onetrip.catalog.models import ItemImplementation
from onetrip.catalog.selectors import implementation_detail, implementation_for_apply
from onetrip.core.auth import applicant_auth, staff_auth, window_clerk_auth
from onetrip.core.errors import NotFound, ValidationFailed

applications_router = Router(auth=applicant_auth)
staff_router = Router(auth=staff_auth)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAM = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "The same key again returns the first case (200) instead of a new one",
}
_DEPARTMENT_FIELD = Case._meta.get_field("department")
_IMPL_DEPARTMENT_FIELD = ItemImplementation._meta.get_field("department")

# --------------------------------------------------------------------------- schemas


class ItemRefOut(Schema):
    code: str
    name: str


class LicenceRefOut(Schema):
    number: str
    verification_code: str
    valid_until: dt.date | None


class CaseBaseOut(Schema):
    number: str
    state: str
    item: ItemRefOut
    channel: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    deadline: dt.date | None
    sla_state: str = Field(..., description="green, yellow, red, paused or none")
    instant_rule: str | None = Field(None, description="The instant-approval rule that fired")

    @staticmethod
    def resolve_item(obj: Case) -> Any:
        return obj.implementation.item

    @staticmethod
    def resolve_sla_state(obj: Case) -> str:
        return sla_state(obj).value

    @staticmethod
    def resolve_instant_rule(obj: Case) -> str | None:
        return obj.instant_rule_name or None


class CaseSummaryOut(CaseBaseOut):
    licence_verification_code: str | None

    @staticmethod
    def resolve_licence_verification_code(obj: Case) -> str | None:
        return obj.licence.verification_code if obj.licence_id else None


class CaseOut(CaseSummaryOut):
    implementation_id: int
    department_id: int
    department_name: str
    region_code: str
    applicant_name: str
    form_data: dict[str, Any]
    credit_outcome: str
    acceptance_number: str
    accepted_at: dt.datetime | None
    statutory_deadline: dt.date | None
    current_step: int
    steps: list[str]
    not_accepted_reason: str
    supplement_notice: list[str]
    decision_reason: str
    decision_basis: str
    decided_at: dt.datetime | None
    licence: LicenceRefOut | None
    delivery_method: str
    tracking_number: str
    delivered_at: dt.datetime | None

    @staticmethod
    def resolve_department_name(obj: Case) -> str:
        # `access_case` joins the department; a new case has its implementation's at hand.
        if not _DEPARTMENT_FIELD.is_cached(obj):
            implementation = obj._state.fields_cache.get("implementation")
            if implementation is not None and _IMPL_DEPARTMENT_FIELD.is_cached(implementation):
                return implementation.department.name
        return obj.department.name

    @staticmethod
    def resolve_region_code(obj: Case) -> str:
        return obj.region_id

    @staticmethod
    def resolve_steps(obj: Case) -> list[str]:
        return obj.implementation.steps

    @staticmethod
    def resolve_licence(obj: Case) -> Any:
        return obj.licence if obj.licence_id else None


class CaseEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    note: str
    at: dt.datetime
    actor: str | None

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class CaseMaterialOut(Schema):
    material_id: int
    source: str
    file_name: str
    content_type: str
    size: int
    value: Any = None


class StaffCaseOut(CaseOut):
    applicant_id_number: str
    credit_note: str
    facts: dict[str, Any]
    prefilled: dict[str, Any]
    available_actions: list[str]
    history: list[CaseEventOut]
    materials: list[CaseMaterialOut]


def _staff_case(user: Any, case: Case) -> Case:
    """A case for the workbench: the case with its history, materials and possible actions
    (set on the instance for StaffCaseOut to read)."""
    case.available_actions = available_actions(user=user, case=case)
    case.history = list(case_history(case=case))
    return case


# --------------------------------------------------------------------------- parsing input


class ApplicationIn(Schema):
    implementation_id: int = Field(..., description="Id of the implementation (实施清单)")
    form_data: dict[str, Any] = Field(
        default_factory=dict, description="Answers the registries do not hold"
    )
    channel: Literal["web", "mobile", "kiosk"] = "web"
    idempotency_key: str = Field(
        "",
        max_length=64,
        description="Or send the Idempotency-Key header; the same key again returns the same case",
    )


class IntakeIn(Schema):
    applicant_id_number: str = Field(
        ..., min_length=1, max_length=32, description="Resident ID or USCC"
    )
    implementation_id: int
    form_data: dict[str, Any] = Field(default_factory=dict)
    channel: Literal["window", "kiosk"] = "window"
    idempotency_key: str = Field("", max_length=64)


class ResubmitIn(Schema):
    note: str = Field("", max_length=2000)


def _multipart_body(
    schema: dict[str, Any], files_note: str, *, idempotent: bool = True
) -> dict[str, Any]:
    """OpenAPI for an operation taking the schema as JSON or as multipart with files."""
    multipart = {
        "type": "object",
        "properties": {
            "payload": {"type": "string", "description": "The JSON object, as a string"},
            "material_<id>": {"type": "string", "format": "binary", "description": files_note},
        },
    }
    return {
        "parameters": [IDEMPOTENCY_PARAM] if idempotent else [],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "multipart/form-data": {"schema": multipart},
            },
        },
    }


def _is_multipart(request: HttpRequest) -> bool:
    return request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded")


def _raw_input(request: HttpRequest) -> dict[str, Any]:
    """The request's fields: a JSON body, or a form's fields (a `payload` field holding the
    JSON object, or one form field per member; `form_data` as a JSON string)."""
    if _is_multipart(request):
        if "payload" in request.POST:
            text = request.POST["payload"]
        else:
            data: dict[str, Any] = {k: request.POST[k] for k in request.POST}
            if "form_data" in data:
                try:
                    data["form_data"] = json.loads(data["form_data"] or "{}")
                except ValueError:
                    raise ValidationFailed(
                        "form_data must be a JSON object.", field="form_data"
                    ) from None
            return data
    else:
        text = request.body
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise HttpError(400, "Cannot parse request body") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object.", field="body")
    return data


def _validated(schema: type[Schema], data: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(
            [{"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        ) from None


def _uploads(request: HttpRequest) -> dict[int, UploadedFile]:
    """Files keyed by material id: form fields named `material_<id>` (or just `<id>`)."""
    files: dict[int, UploadedFile] = {}
    if not _is_multipart(request):
        return files
    for key in request.FILES:
        raw = key.removeprefix("material_")
        if not raw.isdigit():
            raise ValidationFailed(
                f"File field {key!r}: name upload fields material_<id>.", field=key
            )
        files[int(raw)] = request.FILES[key]
    return files


def _idempotency_key(request: HttpRequest, body_key: str) -> str:
    header = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if header and body_key and header != body_key:
        raise ValidationFailed(
            "The Idempotency-Key header and the body's idempotency_key differ.",
            field="idempotency_key",
        )
    if len(header) > 64:
        raise ValidationFailed(
            "An idempotency key has at most 64 characters.", field="idempotency_key"
        )
    return header or body_key


def _material_of(case: Case, material_id: int) -> Any:
    for material in implementation_detail(implementation_id=case.implementation_id).materials.all():
        if material.id == material_id:
            return material
    raise NotFound("This material does not belong to the service.", field="material")


# --------------------------------------------------------------------------- applicants

APPLY_BODY = _multipart_body(
    ApplicationIn.model_json_schema(), "A file for an upload material (PDF, JPEG or PNG)"
)


@applications_router.post(
    "",
    response={200: CaseOut, 201: CaseOut},
    summary="Apply: create and submit in one go (JSON, or multipart with files)",
    description=(
        "Creates the case, attaches uploads, and submits it; an instant-approval item comes "
        "back approved with its e-licence. 201 for a new case; 200 with the earlier case when "
        "the idempotency key (header `Idempotency-Key` or body `idempotency_key`) was used."
    ),
    openapi_extra=APPLY_BODY,
)
def apply(request: HttpRequest) -> Status:
    payload = _validated(ApplicationIn, _raw_input(request))
    files = _uploads(request)
    case = services.case_apply(
        actor=request.auth,
        implementation=implementation_for_apply(implementation_id=payload.implementation_id),
        channel=payload.channel,
        form_data=payload.form_data,
        files=files,
        idempotency_key=_idempotency_key(request, payload.idempotency_key),
    )
    return Status(201 if case.created else 200, case)


@applications_router.post(
    "/drafts",
    response={200: CaseOut, 201: CaseOut},
    summary="Start a draft (step by step: then upload materials, then submit)",
    openapi_extra={"parameters": [IDEMPOTENCY_PARAM]},
)
def draft_create(request: HttpRequest, payload: ApplicationIn) -> Status:
    case = services.case_create_draft(
        actor=request.auth,
        implementation=implementation_detail(implementation_id=payload.implementation_id),
        channel=payload.channel,
        form_data=payload.form_data,
        idempotency_key=_idempotency_key(request, payload.idempotency_key),
    )
    return Status(201 if case.created else 200, case)


@applications_router.post(
    "/{number}/materials/{material_id}",
    response={201: CaseMaterialOut},
    summary="Upload one material to a draft or a case awaiting supplement",
)
def material_upload(
    request: HttpRequest, number: str, material_id: int, file: File[UploadedFileParam]
) -> Status:
    case = access_case(request.auth, number)
    supplied = services.case_attach_material(
        actor=request.auth, case=case, material=_material_of(case, material_id), upload=file
    )
    return Status(201, supplied)


@applications_router.post("/{number}/submit", response=CaseOut, summary="Submit a draft")
def submit(request: HttpRequest, number: str) -> Case:
    return services.case_submit(actor=request.auth, case=access_case(request.auth, number))


@applications_router.get("", response=list[CaseSummaryOut], summary="My applications")
@paginate(PageNumberPagination, page_size=20, max_page_size=100)
def my_applications(request: HttpRequest) -> QuerySet[Case]:
    return case_list_for_applicant(user=request.auth)


@applications_router.get("/{number}", response=CaseOut, summary="One of my applications")
def my_application(request: HttpRequest, number: str) -> Case:
    return access_case(request.auth, number)


@applications_router.post(
    "/{number}/resubmit",
    response=CaseOut,
    summary="Answer a supplement request (JSON note, or multipart with files)",
    openapi_extra=_multipart_body(
        ResubmitIn.model_json_schema(),
        "A new or corrected file for an upload material",
        idempotent=False,
    ),
)
def resubmit(request: HttpRequest, number: str) -> Case:
    payload = _validated(ResubmitIn, _raw_input(request))
    files = _uploads(request)
    return services.case_resubmit(
        actor=request.auth, case=access_case(request.auth, number), files=files, note=payload.note
    )


# --------------------------------------------------------------------------- staff


class QueuePagination(PaginationBase):
    """Page through the queue without counting it (a count over a million cases is the
    slow part of a queue page); `has_next` says whether another page exists."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(20, ge=1, le=100)

    class Output(Schema):
        items: list[Any]
        page: int
        page_size: int
        has_next: bool

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        rows = list(queryset[offset : offset + size + 1])
        return {
            "items": rows[:size],
            "page": pagination.page,
            "page_size": size,
            "has_next": len(rows) > size,
        }


class QueueFilters(Schema):
    sla: Literal["green", "yellow", "red"] | None = None
    state: CaseState | None = None
    q: str = Field("", max_length=64, description="Case number prefix or applicant name")


class QueueItemOut(CaseBaseOut):
    applicant_name: str
    acceptance_number: str


@staff_router.get(
    "/cases",
    response=list[QueueItemOut],
    summary="My queue: cases of my department/region, most urgent first",
)
@paginate(QueuePagination)
def queue(request: HttpRequest, filters: Query[QueueFilters]) -> QuerySet[Case]:
    return case_queue(
        user=request.auth, sla=filters.sla, state=filters.state, query=filters.q.strip()
    )


@staff_router.get("/cases/{number}", response=StaffCaseOut, summary="Case detail with history")
def staff_case(request: HttpRequest, number: str) -> Case:
    return _staff_case(request.auth, access_case(request.auth, number))


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class SupplementIn(Schema):
    items: list[str] = Field(..., min_length=1, description="Everything to add or fix, at once")
    note: str = Field("", max_length=2000)


class ExtendIn(Schema):
    days: int = Field(..., ge=1, le=365, description="Working days to add")
    reason: str = Field(..., max_length=2000)


class DecisionIn(Schema):
    reason: str = Field("", max_length=2000)
    basis: str = Field("", max_length=2000, description="Legal basis; the item's by default")


class RejectIn(Schema):
    reason: str = Field(..., max_length=2000)
    basis: str = Field(..., max_length=2000)


class DeliverIn(Schema):
    method: DeliveryMethod
    tracking_number: str = Field("", max_length=40)


def _act(request: HttpRequest, number: str, action: Any, **kwargs: Any) -> Case:
    case = action(actor=request.auth, case=access_case(request.auth, number), **kwargs)
    return _staff_case(request.auth, case)


@staff_router.post("/cases/{number}/accept", response=StaffCaseOut, summary="Accept (受理)")
def accept(request: HttpRequest, number: str, payload: NoteIn) -> Case:
    return _act(request, number, services.case_accept, note=payload.note)


@staff_router.post(
    "/cases/{number}/not-accept", response=StaffCaseOut, summary="Do not accept (不予受理)"
)
def not_accept(request: HttpRequest, number: str, payload: ReasonIn) -> Case:
    return _act(request, number, services.case_not_accept, reason=payload.reason)


@staff_router.post(
    "/cases/{number}/request-supplement",
    response=StaffCaseOut,
    summary="Request a supplement (补正); pauses the clock",
)
def request_supplement(request: HttpRequest, number: str, payload: SupplementIn) -> Case:
    return _act(
        request, number, services.case_request_supplement, items=payload.items, note=payload.note
    )


@staff_router.post("/cases/{number}/extend", response=StaffCaseOut, summary="Extend the time limit")
def extend(request: HttpRequest, number: str, payload: ExtendIn) -> Case:
    return _act(request, number, services.case_extend, days=payload.days, reason=payload.reason)


@staff_router.post(
    "/cases/{number}/complete-step", response=StaffCaseOut, summary="Finish the current step"
)
def complete_step(request: HttpRequest, number: str, payload: NoteIn) -> Case:
    return _act(request, number, services.case_complete_step, note=payload.note)


@staff_router.post("/cases/{number}/approve", response=StaffCaseOut, summary="Approve")
def approve(request: HttpRequest, number: str, payload: DecisionIn) -> Case:
    return _act(request, number, services.case_approve, reason=payload.reason, basis=payload.basis)


@staff_router.post("/cases/{number}/reject", response=StaffCaseOut, summary="Reject")
def reject(request: HttpRequest, number: str, payload: RejectIn) -> Case:
    return _act(request, number, services.case_reject, reason=payload.reason, basis=payload.basis)


@staff_router.post("/cases/{number}/deliver", response=StaffCaseOut, summary="Deliver the result")
def deliver(request: HttpRequest, number: str, payload: DeliverIn) -> Case:
    return _act(
        request,
        number,
        services.case_deliver,
        method=payload.method,
        tracking_number=payload.tracking_number,
    )


@staff_router.post("/cases/{number}/archive", response=StaffCaseOut, summary="Archive")
def archive(request: HttpRequest, number: str) -> Case:
    return _act(request, number, services.case_archive)


INTAKE_BODY = _multipart_body(
    IntakeIn.model_json_schema(), "A file for an upload material (PDF, JPEG or PNG)"
)


@staff_router.post(
    "/intake",
    response={200: StaffCaseOut, 201: StaffCaseOut},
    auth=window_clerk_auth,
    summary="Window intake (一窗受理): a clerk applies for the applicant present",
    openapi_extra=INTAKE_BODY,
)
def intake(request: HttpRequest) -> Status:
    payload = _validated(IntakeIn, _raw_input(request))
    files = _uploads(request)
    key = _idempotency_key(request, payload.idempotency_key)
    implementation = implementation_detail(implementation_id=payload.implementation_id)
    case = services.case_intake(
        actor=request.auth,
        applicant_id_number=payload.applicant_id_number,
        implementation=implementation,
        channel=payload.channel,
        form_data=payload.form_data,
        files=files,
        idempotency_key=key,
    )
    return Status(201 if case.created else 200, _staff_case(request.auth, case))
