"""The data platform's staff pages (公共数据平台): the resource catalog, a dataset with its
schema, loads and access requests, uploads with their quality report, the department's problem
data, API clients, access requests to decide and correction requests to answer.

Views are thin: parse, call one datahub service or selector, render. Who may see or do what is
decided by the selectors' `access_*` / `can_*` and by the services; a refusal is shown next to
the field it names."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.accounts.models import User
from onetrip.core import errors
from onetrip.datahub import selectors as datahub_selectors
from onetrip.datahub import services as datahub_services
from onetrip.datahub.models import Dataset, DatasetField, IngestionLoad
from onetrip.portal.forms import attach_error
from onetrip.workbench.data_forms import (
    AccessRequestForm,
    CatalogSearchForm,
    ClientForm,
    CorrectionDecisionForm,
    DatasetFieldForm,
    DatasetForm,
    GrantDecisionForm,
    UploadForm,
)
from onetrip.workbench.views import _staff_required

PROBLEM_ROWS_SHOWN = 20
RUNNING = (IngestionLoad.Status.QUEUED, IngestionLoad.Status.CHECKING, IngestionLoad.Status.STORING)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a data page; the section's menu shows the department pages to stewards."""
    context.setdefault("is_steward", datahub_selectors.can_create_dataset(request.user))
    return render(request, template, context, status=status)


def _dataset(user: User, code: str, *, maintain: bool = False) -> Dataset:
    """The dataset as the user may see it: unknown → 404, not theirs to maintain → 403."""
    try:
        return datahub_selectors.access_dataset(user=user, code=code, maintain=maintain)
    except errors.NotFound:
        raise Http404(_("No dataset with this code.")) from None
    except errors.PermissionDenied:
        raise PermissionDenied from None


def _steward_required(view):  # type: ignore[no-untyped-def]
    """Department pages of the data platform: data stewards (and the system admin) only."""

    @_staff_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not datahub_selectors.can_create_dataset(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --------------------------------------------------------------------------- the catalog


@_staff_required
def catalog(request: HttpRequest) -> HttpResponse:
    """The whole resource catalog, for any staff member, filtered by text."""
    form = CatalogSearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    datasets = list(datahub_selectors.dataset_list(user=request.user, query=query))
    for dataset in datasets:
        dataset.maintainable = datahub_selectors.can_maintain_dataset(request.user, dataset)
    context = {
        "form": form,
        "datasets": datasets,
        "query": query,
        "can_create": datahub_selectors.can_create_dataset(request.user),
        "nav": "data",
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "catalog-results":
        return _render(request, "workbench/data/_catalog_results.html", context)
    return _render(request, "workbench/data/catalog.html", context)


def _dataset_context(
    request: HttpRequest, dataset: Dataset, *, request_form: AccessRequestForm | None = None
) -> dict[str, Any]:
    user = request.user
    maintainable = datahub_selectors.can_maintain_dataset(user, dataset)
    context: dict[str, Any] = {
        "dataset": dataset,
        "fields": list(dataset.fields.all()),
        "maintainable": maintainable,
        "loads": [],
        "ratios": [],
        "nav": "data",
    }
    if maintainable:
        context["loads"] = list(
            datahub_selectors.loads_of_dataset(user=user, dataset_code=dataset.code)[:10]
        )
        for load in context["loads"]:
            load.problem_percent = f"{load.problem_ratio * 100:.2f}"
        context["ratios"] = datahub_selectors.problem_ratio_series(
            user=user, dataset_code=dataset.code
        )
    elif dataset.sharing_class != Dataset.SharingClass.NOT_SHARED:
        # Access is asked for one of the department's systems, by whoever manages them.
        clients = list(datahub_selectors.clients_of_department(user=user))
        context["may_request"] = datahub_selectors.can_create_dataset(user)
        context["clients"] = clients
        context["request_form"] = request_form or AccessRequestForm(
            clients=clients, dataset=dataset, prefix="access"
        )
    return context


@_staff_required
def dataset_detail(request: HttpRequest, code: str) -> HttpResponse:
    dataset = _dataset(request.user, code)
    return _render(request, "workbench/data/dataset.html", _dataset_context(request, dataset))


@_staff_required
@require_POST
def dataset_request_access(request: HttpRequest, code: str) -> HttpResponse:
    """Staff of another department ask for fields of the dataset for one of their systems."""
    dataset = _dataset(request.user, code)
    clients = list(datahub_selectors.clients_of_department(user=request.user))
    form = AccessRequestForm(request.POST, clients=clients, dataset=dataset, prefix="access")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            client = datahub_selectors.access_client(user=request.user, client_id=data["client"])
            grant = datahub_services.grant_request(
                client=client,
                dataset_code=dataset.code,
                fields=data["fields"],
                purpose=data["purpose"],
                legal_basis=data["legal_basis"],
                expires_on=data["expires_on"],
                requested_by=request.user,
            )
        except errors.DomainError as exc:
            attach_error(form, exc, {"dataset": "fields"})
            if not form.errors:
                form.add_error(None, exc.detail)
            status = exc.status
        else:
            if grant.status == grant.Status.GRANTED:
                messages.success(
                    request, _("Access granted at once: the dataset is shared unconditionally.")
                )
            else:
                messages.success(request, _("Request sent to the owning department."))
            return redirect("workbench:data_dataset", code=dataset.code)
    context = _dataset_context(request, dataset, request_form=form)
    return _render(request, "workbench/data/dataset.html", context, status=status)


# --------------------------------------------------------------------------- maintenance


def _dataset_values(form: DatasetForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("code", None)
    data.pop("key_field_label", None)
    return data


@_steward_required
def dataset_new(request: HttpRequest) -> HttpResponse:
    """Register a dataset of the steward's department."""
    form = DatasetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                dataset = datahub_services.dataset_create(
                    actor=request.user,
                    code=form.cleaned_data["code"],
                    key_field_label=form.cleaned_data["key_field_label"],
                    **_dataset_values(form),
                )
            except errors.DomainError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Dataset registered. Now add its fields."))
                return redirect("workbench:data_dataset", code=dataset.code)
    return _render(
        request, "workbench/data/dataset_form.html", {"form": form, "nav": "data"}, status=status
    )


@_staff_required
def dataset_edit(request: HttpRequest, code: str) -> HttpResponse:
    dataset = _dataset(request.user, code, maintain=True)
    initial = {
        name: getattr(dataset, name) for name in DatasetForm.base_fields if hasattr(dataset, name)
    }
    form = DatasetForm(request.POST or None, initial=initial, dataset=dataset)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                datahub_services.dataset_update(
                    actor=request.user, dataset=dataset, **_dataset_values(form)
                )
            except errors.DomainError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Dataset saved."))
                return redirect("workbench:data_dataset", code=dataset.code)
    return _render(
        request,
        "workbench/data/dataset_form.html",
        {"form": form, "dataset": dataset, "nav": "data"},
        status=status,
    )


@_staff_required
def field_edit(request: HttpRequest, code: str, field_id: int | None = None) -> HttpResponse:
    """Add a field to the schema (no id) or change one."""
    dataset = _dataset(request.user, code, maintain=True)
    field = None
    if field_id is not None:
        field = DatasetField.objects.filter(dataset=dataset, pk=field_id).first()
        if field is None:
            raise Http404(_("No such field in this dataset."))
    initial: dict[str, Any] = {}
    if field is not None:
        initial = {name: getattr(field, name) for name in DatasetFieldForm.base_fields}
        initial["enum_values"] = "\n".join(field.enum_values or [])
    references = Dataset.objects.only("code", "name").order_by("code")
    form = DatasetFieldForm(request.POST or None, initial=initial, references=references)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                datahub_services.dataset_field_save(
                    actor=request.user, dataset=dataset, field_id=field_id, **form.cleaned_data
                )
            except errors.DomainError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Field saved."))
                return redirect("workbench:data_dataset", code=dataset.code)
    return _render(
        request,
        "workbench/data/field_form.html",
        {"form": form, "dataset": dataset, "field": field, "nav": "data"},
        status=status,
    )


@_staff_required
@require_POST
def field_delete(request: HttpRequest, code: str, field_id: int) -> HttpResponse:
    dataset = _dataset(request.user, code, maintain=True)
    try:
        datahub_services.dataset_field_delete(
            actor=request.user, dataset=dataset, field_id=field_id
        )
    except errors.DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Field removed."))
    return redirect("workbench:data_dataset", code=dataset.code)


# --------------------------------------------------------------------------- loads


@_staff_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    """Upload a file to load; the load runs in the background and its page shows progress."""
    dataset = _dataset(request.user, code, maintain=True)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                load = datahub_services.ingestion_start(
                    actor=request.user,
                    dataset_code=dataset.code,
                    file=upload,
                    file_name=upload.name,
                    encoding=form.cleaned_data["encoding"],
                    mode=form.cleaned_data["mode"],
                )
            except errors.DomainError as exc:
                # Whole-file refusals (empty, too large, unknown format, bad encoding or
                # columns) belong to the file field.
                attach_error(form, exc, {"file_name": "file", "dataset_code": "file"})
                if not form.errors:
                    form.add_error("file", exc.detail)
                status = exc.status
            else:
                return redirect("workbench:data_load", load_id=load.pk)
    return _render(
        request,
        "workbench/data/upload.html",
        {"form": form, "dataset": dataset, "nav": "data"},
        status=status,
    )


def _load(user: User, load_id: int) -> IngestionLoad:
    try:
        return datahub_selectors.access_load(user=user, load_id=load_id)
    except (errors.NotFound, errors.PermissionDenied):
        raise Http404(_("No load with this number.")) from None


def _load_context(load: IngestionLoad) -> dict[str, Any]:
    running = load.status in RUNNING
    context: dict[str, Any] = {
        "load": load,
        "dataset": load.dataset,
        "running": running,
        "nav": "data",
    }
    if not running:
        context["reasons"] = sorted(
            (load.reasons or {}).items(), key=lambda item: (-item[1], item[0])
        )
        context["problems"] = list(load.problems.all()[:PROBLEM_ROWS_SHOWN])
        context["problem_percent"] = f"{load.problem_ratio * 100:.2f}"
    return context


@_staff_required
def load_detail(request: HttpRequest, load_id: int) -> HttpResponse:
    load = _load(request.user, load_id)
    return _render(request, "workbench/data/load.html", _load_context(load))


@_staff_required
def load_status(request: HttpRequest, load_id: int) -> HttpResponse:
    """The part of the load page that changes: polled every second while the load runs, and
    the quality report once it is done (which stops the polling)."""
    load = _load(request.user, load_id)
    return _render(request, "workbench/data/_load_status.html", _load_context(load))


@_staff_required
@require_POST
def load_rerun(request: HttpRequest, load_id: int) -> HttpResponse:
    """Queue the file of a failed load again (e.g. after the loader was killed)."""
    load = _load(request.user, load_id)
    try:
        again = datahub_services.ingestion_rerun(actor=request.user, load_id=load.pk)
    except errors.DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("workbench:data_load", load_id=load.pk)
    return redirect("workbench:data_load", load_id=again.pk)


@_staff_required
def load_problems_csv(request: HttpRequest, load_id: int) -> HttpResponse:
    """Every problem row of the load with its reasons, as a CSV file (UTF-8 with BOM, which
    Excel opens as Chinese text)."""
    load = _load(request.user, load_id)
    body = datahub_selectors.problem_rows_csv(load=load)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="problems-{load.dataset.code}-{load.pk}.csv"'
    )
    return response


# --------------------------------------------------------------------------- the department


@_steward_required
def problems(request: HttpRequest) -> HttpResponse:
    """The department's open problem data (问题数据), by dataset, to correct and resubmit."""
    records = list(datahub_selectors.problem_records_open(user=request.user))
    groups: dict[Any, list[Any]] = {}
    for record in records:
        groups.setdefault(record.dataset, []).append(record)
    return _render(
        request,
        "workbench/data/problems.html",
        {
            "groups": list(groups.items()),
            "ratios": datahub_selectors.problem_ratio_series(
                user=request.user, department_id=request.user.department_id
            ),
            "nav": "data_problems",
        },
    )


def _clients_context(
    request: HttpRequest, form: ClientForm | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "clients": list(
            datahub_selectors.clients_of_department(user=request.user).prefetch_related(
                "credentials"
            )
        ),
        "form": form or ClientForm(),
        "nav": "data_clients",
        **extra,
    }


@_steward_required
def clients(request: HttpRequest) -> HttpResponse:
    """The department's API clients; a new client's secret is shown once, in this answer."""
    form = ClientForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                client, secret = datahub_services.client_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    department_id=request.user.department_id,
                )
            except errors.DomainError as exc:
                attach_error(form, exc)
                status = exc.status
            else:
                context = _clients_context(request, new_client=client, secret=secret)
                return _render(request, "workbench/data/clients.html", context)
    return _render(
        request, "workbench/data/clients.html", _clients_context(request, form), status=status
    )


@_steward_required
@require_POST
def client_rotate(request: HttpRequest, client_id: int) -> HttpResponse:
    """A new secret for the client, shown once; its live credentials are revoked."""
    try:
        credential, secret = datahub_services.credential_rotate(
            actor=request.user, client_id=client_id
        )
    except errors.NotFound:
        raise Http404 from None
    except errors.DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("workbench:data_clients")
    context = _clients_context(request, new_client=credential.client, secret=secret)
    return _render(request, "workbench/data/clients.html", context)


@_steward_required
@require_POST
def credential_revoke(request: HttpRequest, credential_id: int) -> HttpResponse:
    """Revoke one credential now: the client's next call with it is refused."""
    try:
        datahub_services.credential_revoke(actor=request.user, credential_id=credential_id)
    except errors.NotFound:
        raise Http404 from None
    except errors.DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Credential revoked: calls with it are refused."))
    return redirect("workbench:data_clients")


def _requests_context(
    request: HttpRequest, bound: dict[int, GrantDecisionForm] | None = None
) -> dict[str, Any]:
    bound = bound or {}
    waiting = list(datahub_selectors.grant_requests_pending(user=request.user))
    return {
        "rows": [
            {
                "grant": grant,
                "form": bound.get(grant.pk) or GrantDecisionForm(prefix=f"g{grant.pk}"),
            }
            for grant in waiting
        ],
        "nav": "data_requests",
    }


@_steward_required
def access_requests(request: HttpRequest) -> HttpResponse:
    """Access requests waiting for the department: approve with a grade, or refuse."""
    return _render(request, "workbench/data/requests.html", _requests_context(request))


@_steward_required
@require_POST
def access_request_decide(request: HttpRequest, grant_id: int) -> HttpResponse:
    form = GrantDecisionForm(request.POST, prefix=f"g{grant_id}")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            datahub_services.grant_decide(
                actor=request.user,
                grant_id=grant_id,
                approve=data["decision"] == "approve",
                max_grade=data["max_grade"],
                reason=data["reason"],
            )
        except (errors.NotFound, errors.PermissionDenied):
            raise Http404 from None
        except errors.DomainError as exc:
            if exc.field not in form.fields:
                # Decided meanwhile: the request has left the list.
                messages.error(request, exc.detail)
                return redirect("workbench:data_requests")
            attach_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("workbench:data_requests")
    context = _requests_context(request, {grant_id: form})
    return _render(request, "workbench/data/requests.html", context, status=status)


def _corrections_context(
    request: HttpRequest, bound: dict[str, CorrectionDecisionForm] | None = None
) -> dict[str, Any]:
    bound = bound or {}
    queue = list(datahub_selectors.correction_queue(steward=request.user))
    return {
        "rows": [
            {
                "correction": c,
                "form": bound.get(c.number) or CorrectionDecisionForm(prefix=f"c-{c.number}"),
            }
            for c in queue
        ],
        "nav": "data_corrections",
    }


@_steward_required
def corrections(request: HttpRequest) -> HttpResponse:
    """Correction requests (数据纠错) for the department's datasets, by deadline."""
    return _render(request, "workbench/data/corrections.html", _corrections_context(request))


@_steward_required
@require_POST
def correction_decide(request: HttpRequest, number: str) -> HttpResponse:
    """Accept (the record changes, its old version kept) or reject with a reason."""
    try:
        correction = datahub_selectors.access_correction(user=request.user, number=number)
    except errors.NotFound:
        raise Http404(_("No correction request with this number.")) from None
    form = CorrectionDecisionForm(request.POST, prefix=f"c-{correction.number}")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        answer = (
            datahub_services.correction_accept
            if data["decision"] == "accept"
            else datahub_services.correction_reject
        )
        try:
            answer(steward=request.user, correction_id=correction.pk, reason=data["reason"])
        except errors.PermissionDenied:
            raise PermissionDenied from None
        except errors.DomainError as exc:
            if exc.field not in form.fields:
                # Answered meanwhile, or the field is gone: the request leaves the queue.
                messages.error(request, exc.detail)
                return redirect("workbench:data_corrections")
            attach_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Answer recorded; the applicant is notified."))
            return redirect("workbench:data_corrections")
    context = _corrections_context(request, {correction.number: form})
    return _render(request, "workbench/data/corrections.html", context, status=status)
