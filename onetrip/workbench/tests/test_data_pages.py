"""The data platform's staff pages through the Django test client: the catalog for any staff,
maintenance forms for the owning department's steward (errors next to the field), uploads
with their quality report and problem rows, API clients, access requests and correction
requests; another department's steward is refused everywhere."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onetrip.accounts.models import Role
from onetrip.audit.models import AuditEntry
from onetrip.core import errors
from onetrip.core.workdays import today
from onetrip.datahub import services
from onetrip.datahub.models import (
    AccessGrant,
    ApiClient,
    Dataset,
    DatasetField,
    IngestionLoad,
    PopulationRecord,
)
from onetrip.testing import factories


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def field_row(page: str, name: str) -> str:
    match = re.search(rf'<div class="form-row[^"]*" id="row-{name}">(.*?)\n</div>', page, re.S)
    assert match, f"no form row for {name}"
    return match.group(0)


@pytest.fixture
def data(world):  # type: ignore[no-untyped-def]
    """The public-security steward (owner of the population registry), a civil-affairs
    steward with a dataset of their own, and a market-regulation steward."""

    class D:
        population = Dataset.objects.get(code="population")
        police = factories.staff(roles=[Role.DATA_STEWARD], dept=population.department)
        civil = factories.staff(roles=[Role.DATA_STEWARD], dept=world.civil)
        market = factories.staff(roles=[Role.DATA_STEWARD], dept=world.market)

    D.relief = services.dataset_create(
        actor=D.civil,
        code="relief",
        name="临时救助对象",
        key_field="record_no",
        key_field_label="救助编号",
    )
    return D


# --------------------------------------------------------------------------- the catalog


def test_any_staff_member_browses_and_searches_the_catalog(world, data) -> None:  # type: ignore[no-untyped-def]
    # given an approver (not a steward)
    client = logged_in(world.market_approver)
    # when they open the catalog
    page = client.get("/workbench/data/")
    # then every dataset is listed with its owner, classes and field count
    assert page.status_code == 200
    body = html(page)
    for code in ("population", "legal_entity", "elicence", "relief"):
        assert f'data-testid="dataset-{code}"' in body
    assert "浙江省公安厅" in body
    # and a search narrows the list (the HTMX request gets the results only)
    found = client.get(
        "/workbench/data/?q=救助", headers={"HX-Request": "true", "HX-Target": "catalog-results"}
    )
    assert 'data-testid="dataset-relief"' in html(found)
    assert 'data-testid="dataset-population"' not in html(found)
    assert "<html" not in html(found)


def test_applicants_and_anonymous_users_cannot_open_the_data_pages(world, data) -> None:  # type: ignore[no-untyped-def]
    citizen = logged_in(world.citizen_a)
    for url in (
        "/workbench/data/",
        "/workbench/data/datasets/relief/",
        "/workbench/data/problems/",
    ):
        assert citizen.get(url).status_code == 403
        assert Client().get(url).status_code == 302


def test_the_dataset_page_shows_fields_grades_and_classes(world, data) -> None:  # type: ignore[no-untyped-def]
    # when an approver opens the population registry
    page = logged_in(world.approver).get("/workbench/data/datasets/population/")
    # then its fields are shown with type, grade and masking, and its classes
    assert page.status_code == 200
    body = html(page)
    assert 'data-testid="field-resident_id"' in body
    assert "grade-L3" in body
    assert data.population.get_sharing_class_display() in body
    # but no maintenance links: they are not its steward
    assert 'data-testid="dataset-edit"' not in body
    assert 'data-testid="upload-link"' not in body
    # and access is asked by a steward of their department, not by them
    assert 'data-testid="request-by-steward"' in body
    assert 'data-testid="request-access-form"' not in body


def test_an_unknown_dataset_is_404(world, data) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(data.civil).get("/workbench/data/datasets/nope/").status_code == 404


# --------------------------------------------------------------------------- maintenance


def test_a_steward_registers_a_dataset_through_the_form(world, data) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(data.civil)
    assert client.get("/workbench/data/new/").status_code == 200
    # when the civil steward registers a dataset
    response = client.post(
        "/workbench/data/new/",
        {
            "code": "elderly-care",
            "name": "居家养老服务对象",
            "key_field": "resident_id",
            "key_field_label": "身份证号",
            "update_frequency": "monthly",
            "subject_kind": "citizen",
            "subject_field": "resident_id",
            "sharing_class": "conditional",
            "opening_class": "not_open",
        },
    )
    # then it is stored for their department and they land on its page
    assert response.status_code == 302
    assert response["Location"].endswith("/workbench/data/datasets/elderly-care/")
    dataset = Dataset.objects.get(code="elderly-care")
    assert dataset.department == world.civil
    assert dataset.fields.get().type == DatasetField.Type.RESIDENT_ID


def test_registration_errors_show_next_to_the_field(world, data) -> None:  # type: ignore[no-untyped-def]
    # when the code is taken and the subject field is not the key
    response = logged_in(data.civil).post(
        "/workbench/data/new/",
        {
            "code": "relief",
            "name": "重复",
            "key_field": "record_no",
            "update_frequency": "monthly",
            "subject_kind": "citizen",
            "subject_field": "head_id",
            "sharing_class": "conditional",
            "opening_class": "not_open",
        },
    )
    # then the page comes back with each error in its field's row
    assert response.status_code == 422
    body = html(response)
    assert "errorlist" in field_row(body, "code")
    assert "errorlist" in field_row(body, "subject_field")
    assert Dataset.objects.filter(code="relief").count() == 1


def test_staff_without_the_steward_role_cannot_register(world, data) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(world.approver).get("/workbench/data/new/").status_code == 403


def test_the_steward_edits_the_dataset_and_its_classes(world, data) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(data.civil)
    page = client.get("/workbench/data/datasets/relief/edit/")
    assert page.status_code == 200
    response = client.post(
        "/workbench/data/datasets/relief/edit/",
        {
            "name": "临时救助对象名录",
            "description": "按月更新",
            "key_field": "record_no",
            "update_frequency": "monthly",
            "subject_kind": "none",
            "subject_field": "",
            "sharing_class": "unconditional",
            "opening_class": "conditional",
        },
    )
    assert response.status_code == 302
    data.relief.refresh_from_db()
    assert (data.relief.name, data.relief.sharing_class, data.relief.opening_class) == (
        "临时救助对象名录",
        "unconditional",
        "conditional",
    )
    assert AuditEntry.objects.filter(action="dataset.update", actor=data.civil).exists()


def test_a_base_registrys_edit_form_keeps_its_key_and_subject(world, data) -> None:  # type: ignore[no-untyped-def]
    # given the population steward on the edit page: key and subject are fixed there
    client = logged_in(data.police)
    page = html(client.get("/workbench/data/datasets/population/edit/"))
    assert re.search(r'<select name="key_field"[^>]*disabled', page)
    # when they post new classes, and a different key anyway
    response = client.post(
        "/workbench/data/datasets/population/edit/",
        {
            "name": "人口基础信息",
            "key_field": "phone",
            "update_frequency": "daily",
            "sharing_class": "unconditional",
            "opening_class": "not_open",
        },
    )
    # then the classes change and the key stays
    assert response.status_code == 302
    data.population.refresh_from_db()
    assert (data.population.sharing_class, data.population.key_field) == (
        "unconditional",
        "resident_id",
    )


def test_the_steward_adds_edits_and_removes_a_field(world, data) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(data.civil)
    assert client.get("/workbench/data/datasets/relief/fields/new/").status_code == 200
    # when the steward adds an enumeration field
    response = client.post(
        "/workbench/data/datasets/relief/fields/new/",
        {
            "name": "kind",
            "label": "救助类别",
            "type": "enum",
            "required": "on",
            "enum_values": "低保\r\n特困\r\n",
            "grade": "L2",
            "masking": "full",
            "reference": "",
        },
    )
    assert response.status_code == 302
    field = data.relief.fields.get(name="kind")
    assert field.enum_values == ["低保", "特困"] and field.required
    # and raises its grade through the edit form
    url = f"/workbench/data/datasets/relief/fields/{field.pk}/"
    page = client.get(url)
    assert "低保\n特困" in html(page)
    response = client.post(
        url,
        {
            "name": "kind",
            "label": "救助类别",
            "type": "enum",
            "required": "on",
            "enum_values": "低保\n特困",
            "grade": "L4",
            "masking": "full",
        },
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.grade == "L4"
    # and removes it
    response = client.post(f"{url}delete/")
    assert response.status_code == 302
    assert not data.relief.fields.filter(name="kind").exists()


def test_field_errors_show_next_to_the_field(world, data) -> None:  # type: ignore[no-untyped-def]
    # when an enumeration has no values
    response = logged_in(data.civil).post(
        "/workbench/data/datasets/relief/fields/new/",
        {"name": "kind", "label": "救助类别", "type": "enum", "grade": "L2", "masking": "full"},
    )
    assert response.status_code == 422
    assert "errorlist" in field_row(html(response), "enum_values")


def test_a_base_registry_refuses_a_column_its_table_lacks_on_the_name(world, data) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(data.police).post(
        "/workbench/data/datasets/population/fields/new/",
        {"name": "blood_type", "label": "血型", "type": "string", "grade": "L2", "masking": "full"},
    )
    assert response.status_code == 422
    assert "blood_type" in field_row(html(response), "name")
    assert not data.population.fields.filter(name="blood_type").exists()


def test_a_steward_of_another_department_is_refused_on_maintenance_pages(world, data) -> None:  # type: ignore[no-untyped-def]
    # given the civil dataset and the market steward
    other = logged_in(data.market)
    key = data.relief.fields.get()
    base = "/workbench/data/datasets/relief"
    # when they open or post any maintenance page, then they are refused
    for url in (
        f"{base}/edit/",
        f"{base}/fields/new/",
        f"{base}/fields/{key.pk}/",
        f"{base}/upload/",
    ):
        assert other.get(url).status_code == 403, url
    assert other.post(f"{base}/fields/{key.pk}/delete/").status_code == 403
    assert other.post(f"{base}/edit/", {"name": "x"}).status_code == 403
    # and nothing changed
    assert data.relief.fields.filter(pk=key.pk).exists()


# --------------------------------------------------------------------------- loads


# Valid resident IDs born 1985-03-16 in 西湖区 (a man and a woman), and one whose check digit
# is wrong.
MAN, WOMAN, BAD_ID = "330106198503161014", "330106198503162025", "330106198503161011"


def _csv(rows: list[tuple[str, ...]], encoding: str = "gbk") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "resident_id",
            "name",
            "sex",
            "birth_date",
            "household_address",
            "household_region",
            "marital_status",
        ]
    )
    for resident_id, name, sex, birth in rows:
        writer.writerow(
            [resident_id, name, sex, birth, "浙江省杭州市西湖区文三路1号", "330106", "married"]
        )
    return out.getvalue().encode(encoding)


def _upload(client: Client, body: bytes, name: str = "population.csv", **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/workbench/data/datasets/population/upload/",
        {
            "file": SimpleUploadedFile(name, body, content_type="text/csv"),
            "encoding": "auto",
            "mode": "incremental",
            **extra,
        },
    )


def test_a_steward_uploads_a_gbk_csv_and_reads_the_quality_report(world, data) -> None:  # type: ignore[no-untyped-def]
    # given a GBK CSV with two good people and one with an invalid resident ID
    first, second = MAN, WOMAN
    body = _csv(
        [
            (first, "王小明", "M", "1985-03-16"),
            (second, "赵丽", "F", "1985-03-16"),
            ("330106198503161011", "钱多多", "M", "1985-03-16"),
        ]
    )
    client = logged_in(data.police)
    assert client.get("/workbench/data/datasets/population/upload/").status_code == 200
    # when the steward uploads it
    response = _upload(client, body)
    # then they land on the load page, which polls while the load waits
    assert response.status_code == 302
    load = IngestionLoad.objects.get()
    assert response["Location"].endswith(f"/workbench/data/loads/{load.pk}/")
    waiting = client.get(response["Location"])
    assert 'hx-trigger="every 1s"' in html(waiting)
    # when the load runs (the worker's job)
    services.ingestion_run(load_id=load.pk)
    # then the status partial shows the report and stops polling
    status = html(client.get(f"/workbench/data/loads/{load.pk}/status/"))
    assert "every 1s" not in status
    assert re.search(r'data-testid="rows-checked">3<', status)
    assert re.search(r'data-testid="rows-good">2<', status)
    assert re.search(r'data-testid="rows-problem">1<', status)
    assert re.search(r'data-testid="rows-inserted">2<', status)
    assert "33.33 %" in status
    assert "330106198503161011" in status
    # and the good people are in the registry, the bad one is not
    assert PopulationRecord.objects.filter(resident_id__in=[first, second]).count() == 2
    assert not PopulationRecord.objects.filter(resident_id="330106198503161011").exists()
    # and the problem rows download as CSV with the bad row and its reason
    download = client.get(f"/workbench/data/loads/{load.pk}/problems.csv")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    text = download.content.decode("utf-8-sig")
    assert "330106198503161011" in text and "钱多多" in text
    assert first not in text
    # and the dataset page lists the load and the department's problem data lists the row
    dataset_page = html(client.get("/workbench/data/datasets/population/"))
    assert f"/workbench/data/loads/{load.pk}/" in dataset_page
    ratios = dataset_page[dataset_page.index('data-testid="ratios"') :]
    assert "33.33 %" in ratios[: ratios.index("</table>")]
    problems = html(client.get("/workbench/data/problems/"))
    assert 'data-testid="problems-population"' in problems
    assert "330106198503161011" in problems


def test_a_whole_file_refusal_shows_next_to_the_file(world, data) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(data.police)
    # an empty file and a file of an unknown type are refused on the file field
    for name, body in (("empty.csv", b""), ("notes.pdf", b"%PDF-1.4 nothing")):
        response = _upload(client, body, name=name)
        assert response.status_code in (400, 413, 415, 422), name
        assert "errorlist" in field_row(html(response), "file"), name
    assert not IngestionLoad.objects.exists()


def test_a_failed_load_shows_why_and_runs_again(world, data) -> None:  # type: ignore[no-untyped-def]
    # given a load whose loader died mid-way (marked failed, as the stale-load sweep does)
    client = logged_in(data.police)
    _upload(client, _csv([(MAN, "王小明", "M", "1985-03-16")]))
    load = IngestionLoad.objects.get()
    IngestionLoad.objects.filter(pk=load.pk).update(
        status=IngestionLoad.Status.FAILED, error="The loader stopped during the load."
    )
    # when the steward opens it
    page = html(client.get(f"/workbench/data/loads/{load.pk}/"))
    # then the reason shows, with no polling, and the dataset is untouched
    assert "The loader stopped during the load." in page
    assert "every 1s" not in page
    assert not PopulationRecord.objects.filter(resident_id=MAN).exists()
    # when they run the same file again, then a new load is queued and, run, stores it
    response = client.post(f"/workbench/data/loads/{load.pk}/rerun/")
    again = IngestionLoad.objects.exclude(pk=load.pk).get()
    assert response["Location"].endswith(f"/workbench/data/loads/{again.pk}/")
    services.ingestion_run(load_id=again.pk)
    assert PopulationRecord.objects.filter(resident_id=MAN).exists()
    # and another department's steward cannot rerun it
    assert logged_in(data.civil).post(f"/workbench/data/loads/{load.pk}/rerun/").status_code == 404


def test_another_departments_steward_cannot_see_a_load_or_its_problem_rows(world, data) -> None:  # type: ignore[no-untyped-def]
    # given a finished load of the population registry with a problem row
    first = MAN
    client = logged_in(data.police)
    _upload(
        client,
        _csv(
            [
                (first, "王小明", "M", "1985-03-16"),
                ("330106198503161011", "钱多多", "M", "1985-03-16"),
            ]
        ),
    )
    load = IngestionLoad.objects.get()
    services.ingestion_run(load_id=load.pk)
    # when the civil steward and an approver ask for it
    for user in (data.civil, world.approver):
        other = logged_in(user)
        # then the load, its status and its problem rows do not exist for them
        assert other.get(f"/workbench/data/loads/{load.pk}/").status_code == 404
        assert other.get(f"/workbench/data/loads/{load.pk}/status/").status_code == 404
        assert other.get(f"/workbench/data/loads/{load.pk}/problems.csv").status_code == 404
    # and their problem-data page does not list it
    assert "330106198503161011" not in html(logged_in(data.civil).get("/workbench/data/problems/"))


# --------------------------------------------------------------------------- API clients


def test_a_steward_registers_a_client_and_sees_its_secret_once(world, data) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(data.civil)
    assert client.get("/workbench/data/clients/").status_code == 200
    # when the civil steward registers their department's system
    response = client.post("/workbench/data/clients/", {"name": "西湖民政救助系统"})
    # then the client is the department's and its secret is shown, and it authenticates
    assert response.status_code == 200
    api_client = ApiClient.objects.get(name="西湖民政救助系统")
    assert api_client.department == world.civil
    secret = re.search(r'data-testid="secret-value">([^<]+)<', html(response)).group(1)
    assert services.client_authenticate(token=secret) == api_client
    # and the list page afterwards does not show it again
    assert secret not in html(client.get("/workbench/data/clients/"))


def test_a_client_without_a_name_is_refused_on_the_field(world, data) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(data.civil).post("/workbench/data/clients/", {"name": ""})
    assert response.status_code == 400
    assert "errorlist" in field_row(html(response), "name")
    assert not ApiClient.objects.filter(department=world.civil).exists()


def test_rotate_shows_a_new_secret_and_revoke_ends_a_credential(world, data) -> None:  # type: ignore[no-untyped-def]
    # given a civil client with its first secret
    api_client, first = services.client_create(
        actor=data.civil, name="救助系统", department_id=world.civil.pk
    )
    client = logged_in(data.civil)
    # when the steward asks for a new secret
    response = client.post(f"/workbench/data/clients/{api_client.pk}/rotate/")
    # then the new one works and the old one no longer does
    assert response.status_code == 200
    second = re.search(r'data-testid="secret-value">([^<]+)<', html(response)).group(1)
    assert services.client_authenticate(token=second) == api_client
    with pytest.raises(errors.InvalidCredentials):
        services.client_authenticate(token=first)
    # when the steward revokes the new credential
    credential = api_client.credentials.get(revoked_at__isnull=True)
    response = client.post(f"/workbench/data/credentials/{credential.pk}/revoke/")
    assert response.status_code == 302
    with pytest.raises(errors.InvalidCredentials):
        services.client_authenticate(token=second)


def test_another_departments_steward_cannot_manage_a_client(world, data) -> None:  # type: ignore[no-untyped-def]
    api_client, token = services.client_create(
        actor=data.civil, name="救助系统", department_id=world.civil.pk
    )
    credential = api_client.credentials.get()
    other = logged_in(data.market)
    assert other.post(f"/workbench/data/clients/{api_client.pk}/rotate/").status_code == 404
    assert other.post(f"/workbench/data/credentials/{credential.pk}/revoke/").status_code == 404
    assert "救助系统" not in html(other.get("/workbench/data/clients/"))
    assert services.client_authenticate(token=token) == api_client
    # and staff who are not stewards do not reach the page at all
    assert logged_in(world.approver).get("/workbench/data/clients/").status_code == 403


# --------------------------------------------------------------------------- access requests


def _request_access(client: Client, api_client: ApiClient, **overrides: object):  # type: ignore[no-untyped-def]
    values = {
        "access-client": str(api_client.pk),
        "access-fields": ["name", "household_address"],
        "access-purpose": "临时救助家庭经济状况核对",
        "access-legal_basis": "《社会救助暂行办法》第十一条",
        "access-expires_on": (today() + dt.timedelta(days=365)).isoformat(),
        **overrides,
    }
    return client.post("/workbench/data/datasets/population/request-access/", values)


def test_access_is_requested_and_approved_by_the_owner(world, data) -> None:  # type: ignore[no-untyped-def]
    # given a civil system and the civil steward on the population page
    api_client, _ = services.client_create(
        actor=data.civil, name="救助系统", department_id=world.civil.pk
    )
    civil = logged_in(data.civil)
    page = html(civil.get("/workbench/data/datasets/population/"))
    assert 'data-testid="request-access-form"' in page and "救助系统" in page
    # when they ask for two fields
    response = _request_access(civil, api_client)
    # then a request waits for the owner
    assert response.status_code == 302
    grant = AccessGrant.objects.get(client=api_client)
    assert grant.status == AccessGrant.Status.REQUESTED
    assert grant.fields == ["name", "household_address"]
    # and the population steward sees it and approves it up to L3
    police = logged_in(data.police)
    assert f'data-testid="grant-{grant.pk}"' in html(police.get("/workbench/data/requests/"))
    response = police.post(
        f"/workbench/data/requests/{grant.pk}/decide/",
        {f"g{grant.pk}-decision": "approve", f"g{grant.pk}-max_grade": "L3"},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.max_grade, grant.decided_by) == ("granted", "L3", data.police)


def test_request_errors_show_next_to_the_field(world, data) -> None:  # type: ignore[no-untyped-def]
    api_client, _ = services.client_create(
        actor=data.civil, name="救助系统", department_id=world.civil.pk
    )
    civil = logged_in(data.civil)
    # an end date in the past (refused by the service) and no fields (by the form)
    past = _request_access(civil, api_client, **{"access-expires_on": "2020-01-01"})
    assert past.status_code == 422
    assert "errorlist" in field_row(html(past), "access-expires_on")
    none = _request_access(civil, api_client, **{"access-fields": []})
    assert none.status_code == 400
    assert 'data-testid="error-access-fields"' in html(none)
    assert not AccessGrant.objects.filter(client=api_client).exists()


def test_a_refusal_needs_a_reason_and_others_cannot_decide(world, data) -> None:  # type: ignore[no-untyped-def]
    api_client, _ = services.client_create(
        actor=data.civil, name="救助系统", department_id=world.civil.pk
    )
    _request_access(logged_in(data.civil), api_client)
    grant = AccessGrant.objects.get(client=api_client)
    url = f"/workbench/data/requests/{grant.pk}/decide/"
    refuse = {f"g{grant.pk}-decision": "refuse", f"g{grant.pk}-max_grade": "L2"}
    # a steward of another department cannot decide it, nor see it waiting
    market = logged_in(data.market)
    assert market.post(url, {**refuse, f"g{grant.pk}-reason": "不行"}).status_code == 404
    assert f"grant-{grant.pk}" not in html(market.get("/workbench/data/requests/"))
    # the owner refusing without a reason gets the error on the reason
    police = logged_in(data.police)
    response = police.post(url, refuse)
    assert response.status_code == 422
    assert "errorlist" in field_row(html(response), f"g{grant.pk}-reason")
    # and with a reason the refusal stands
    assert (
        police.post(url, {**refuse, f"g{grant.pk}-reason": "超出救助核对所需范围"}).status_code
        == 302
    )
    grant.refresh_from_db()
    assert (grant.status, grant.reason) == ("refused", "超出救助核对所需范围")


# --------------------------------------------------------------------------- corrections


def _correction(world):  # type: ignore[no-untyped-def]
    return services.correction_request_file(
        requester=world.citizen_a,
        dataset_code="population",
        record_key=world.citizen_a.id_number,
        field_name="household_address",
        proposed_value="浙江省杭州市西湖区文三路90号",
        reason="已迁入新址，见户口簿",
    )


def test_the_owner_steward_accepts_a_correction_and_the_record_changes(world, data) -> None:  # type: ignore[no-untyped-def]
    correction = _correction(world)
    police = logged_in(data.police)
    page = html(police.get("/workbench/data/corrections/"))
    assert f'data-testid="correction-{correction.number}"' in page
    response = police.post(
        f"/workbench/data/corrections/{correction.number}/decide/",
        {f"c-{correction.number}-decision": "accept"},
    )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.status == "accepted"
    record = PopulationRecord.objects.get(resident_id=world.citizen_a.id_number)
    assert record.household_address == "浙江省杭州市西湖区文三路90号"


def test_a_rejection_needs_a_reason_and_others_cannot_answer(world, data) -> None:  # type: ignore[no-untyped-def]
    correction = _correction(world)
    url = f"/workbench/data/corrections/{correction.number}/decide/"
    prefix = f"c-{correction.number}"
    # another department's steward: the request does not exist for them
    market = logged_in(data.market)
    assert (
        market.post(url, {f"{prefix}-decision": "reject", f"{prefix}-reason": "x"}).status_code
        == 404
    )
    assert correction.number not in html(market.get("/workbench/data/corrections/"))
    # the owner rejecting without a reason: the error is on the reason
    police = logged_in(data.police)
    response = police.post(url, {f"{prefix}-decision": "reject"})
    assert response.status_code == 422
    assert "errorlist" in field_row(html(response), f"{prefix}-reason")
    correction.refresh_from_db()
    assert correction.status == "open"
    # with a reason the rejection stands
    response = police.post(url, {f"{prefix}-decision": "reject", f"{prefix}-reason": "户籍未迁移"})
    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.status, correction.decision_reason) == ("rejected", "户籍未迁移")
