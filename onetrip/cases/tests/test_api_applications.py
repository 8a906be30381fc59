"""Applications through the API: apply (JSON and multipart), idempotency, the step-by-step
path, own cases only, resubmission, and each kind of bad input answered with problem+json and
nothing half-written."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from onetrip.accounts.services import api_token_create
from onetrip.cases import services
from onetrip.cases.models import Case, CaseEvent, CaseMaterial, CaseState
from onetrip.datahub.models import ELicence, SharingCall
from onetrip.notify.models import OutboxMessage
from onetrip.testing import factories

API = "/api/v1"
PROBLEM = "application/problem+json"


def problem(response) -> dict:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == PROBLEM, response.content
    body = json.loads(response.content)
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://onetrip.dev/problems/")
    return body


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def counts() -> tuple[int, ...]:
    """Rows a failed request must not leave behind."""
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        CaseMaterial.objects.count(),
        ELicence.objects.count(),
        OutboxMessage.objects.count(),
        SharingCall.objects.count(),
    )


def post_json(client: Client, url: str, data: object, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def png(name: str = "form.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")


# --------------------------------------------------------------------------- apply


@pytest.mark.django_db
def test_apply_for_an_instant_item_returns_201_approved_with_licence(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given a citizen with a token
    client = Client()

    # when they apply by JSON
    response = post_json(
        client,
        f"{API}/applications",
        {"implementation_id": instant.id, "form_data": {"note": "hi"}, "channel": "mobile"},
        **bearer(world.citizen_a),
    )

    # then the case comes back approved at once, with the rule that fired and a licence code
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["number"] == case.number
    assert body["state"] in (CaseState.APPROVED, CaseState.DELIVERED)
    assert body["instant_rule"] == "规则"
    assert body["licence_verification_code"] == case.licence.verification_code
    assert body["licence"]["number"] == case.licence.number
    assert body["channel"] == "mobile"
    assert body["form_data"] == {"note": "hi"}
    assert body["sla_state"] == "none"
    assert body["item"]["code"] == instant.item.code


@pytest.mark.django_db
def test_same_idempotency_key_returns_the_same_case_with_200(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given a citizen who applied with an idempotency key in the header
    client = Client()
    auth = bearer(world.citizen_a)
    data = {"implementation_id": instant.id}
    first = post_json(client, f"{API}/applications", data, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert first.status_code == 201
    before = counts()

    # when the same request is sent again, once with the header and once with the body field
    again = post_json(client, f"{API}/applications", data, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    by_body = post_json(client, f"{API}/applications", {**data, "idempotency_key": "k-1"}, **auth)

    # then both answer 200 with the first case, and nothing new was written
    assert again.status_code == 200 and by_body.status_code == 200
    assert again.json()["number"] == first.json()["number"] == by_body.json()["number"]
    assert counts() == before
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_conflicting_idempotency_keys_are_a_422_problem(world, instant) -> None:  # type: ignore[no-untyped-def]
    # when header and body carry different keys
    response = post_json(
        Client(),
        f"{API}/applications",
        {"implementation_id": instant.id, "idempotency_key": "a"},
        HTTP_IDEMPOTENCY_KEY="b",
        **bearer(world.citizen_a),
    )

    # then it is refused before anything is written
    assert response.status_code == 422
    assert problem(response)["errors"][0]["field"] == "idempotency_key"
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_apply_multipart_with_an_upload_submits_the_case(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given the uploaded material's id
    material = upload_item.materials.get(source="upload")

    # when a citizen applies with a multipart form carrying the file
    response = Client().post(
        f"{API}/applications",
        data={
            "implementation_id": str(upload_item.id),
            "form_data": json.dumps({"reason": "医疗"}),
            f"material_{material.id}": png(),
        },
        **bearer(world.citizen_a),
    )

    # then the case is submitted with the file stored as that material
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == CaseState.SUBMITTED
    assert body["form_data"] == {"reason": "医疗"}
    supplied = CaseMaterial.objects.get(case__number=body["number"], material=material)
    assert supplied.content_type == "image/png"


@pytest.mark.django_db
def test_apply_multipart_with_a_payload_field(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # when the JSON travels as one `payload` field next to the file
    material = upload_item.materials.get(source="upload")
    response = Client().post(
        f"{API}/applications",
        data={
            "payload": json.dumps({"implementation_id": upload_item.id, "channel": "mobile"}),
            str(material.id): png(),
        },
        **bearer(world.citizen_a),
    )

    # then it is read like the JSON body
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "mobile"


@pytest.mark.django_db
def test_missing_materials_are_one_422_notice_and_nothing_is_written(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given the state before
    auth = bearer(world.citizen_a)
    before = counts()

    # when a citizen applies without the required upload
    response = post_json(
        Client(), f"{API}/applications", {"implementation_id": upload_item.id}, **auth
    )

    # then the one-time notice lists the missing material and no case, event or call remains
    assert response.status_code == 422
    body = problem(response)
    assert body["type"].endswith("/materials-missing")
    assert body["missing"] == ["收入证明"]
    assert counts() == before


@pytest.mark.django_db
def test_unknown_implementation_is_a_404_problem(world) -> None:  # type: ignore[no-untyped-def]
    # when a citizen applies for an implementation that does not exist
    response = post_json(
        Client(), f"{API}/applications", {"implementation_id": 999999}, **bearer(world.citizen_a)
    )

    # then it is a 404 problem and nothing was written
    assert response.status_code == 404
    assert problem(response)["type"].endswith("/not-found")
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_oversized_upload_is_a_413_problem_and_nothing_is_written(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given an upload limit of 1 KB and a 2 KB PDF
    material = upload_item.materials.get(source="upload")
    auth = bearer(world.citizen_a)
    before = counts()

    # when a citizen applies with it
    with override_settings(ONETRIP_MAX_UPLOAD_BYTES=1024):
        response = Client().post(
            f"{API}/applications",
            data={
                "implementation_id": str(upload_item.id),
                f"material_{material.id}": factories.pdf_upload(size=2048),
            },
            **auth,
        )

    # then it is a 413 problem naming the material's field, with nothing written
    assert response.status_code == 413
    body = problem(response)
    assert body["errors"][0]["field"] == f"material_{material.id}"
    assert counts() == before


@pytest.mark.django_db
def test_wrong_file_type_is_a_415_problem_and_nothing_is_written(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given a file called .pdf that is really an executable
    material = upload_item.materials.get(source="upload")
    fake = SimpleUploadedFile(
        "form.pdf", b"MZ\x90\x00" + b"0" * 100, content_type="application/pdf"
    )
    before = counts()

    # when a citizen applies with it
    response = Client().post(
        f"{API}/applications",
        data={"implementation_id": str(upload_item.id), f"material_{material.id}": fake},
        **bearer(world.citizen_a),
    )

    # then it is a 415 problem (judged by content, not name) and nothing was written
    assert response.status_code == 415
    assert problem(response)["type"].endswith("/unsupported-media-type")
    assert counts() == before


@pytest.mark.django_db
def test_badly_named_file_field_is_a_422_problem(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # when a file arrives under a name that is no material id
    response = Client().post(
        f"{API}/applications",
        data={"implementation_id": str(upload_item.id), "attachment": png()},
        **bearer(world.citizen_a),
    )

    # then it is refused with the field named
    assert response.status_code == 422
    assert problem(response)["errors"][0]["field"] == "attachment"
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_enterprise_only_item_refuses_a_citizen_with_422(world) -> None:  # type: ignore[no-untyped-def]
    # given an item for enterprises
    item = factories.implementation(
        dept=world.market, applicant_kind="enterprise", materials=[], issues_licence=False
    )

    # when a citizen applies
    response = post_json(
        Client(), f"{API}/applications", {"implementation_id": item.id}, **bearer(world.citizen_a)
    )

    # then the service's refusal comes back as a 422 problem
    assert response.status_code == 422
    problem(response)
    assert Case.objects.count() == 0


# --------------------------------------------------------------------------- step by step


@pytest.mark.django_db
def test_draft_upload_submit_step_by_step(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given a citizen with a token
    client = Client()
    auth = bearer(world.citizen_a)
    material = upload_item.materials.get(source="upload")

    # when they start a draft, submit too early, upload the form, then submit
    draft = post_json(
        client, f"{API}/applications/drafts", {"implementation_id": upload_item.id}, **auth
    )
    number = draft.json()["number"]
    early = client.post(f"{API}/applications/{number}/submit", **auth)
    upload = client.post(
        f"{API}/applications/{number}/materials/{material.id}", data={"file": png()}, **auth
    )
    submitted = client.post(f"{API}/applications/{number}/submit", **auth)

    # then the draft is made, the early submit lists what is missing, and the last one submits
    assert draft.status_code == 201 and draft.json()["state"] == CaseState.DRAFT
    assert early.status_code == 422 and problem(early)["missing"] == ["收入证明"]
    assert upload.status_code == 201 and upload.json()["material_id"] == material.id
    assert submitted.status_code == 200 and submitted.json()["state"] == CaseState.SUBMITTED
    # and submitting again is a wrong-state conflict
    again = client.post(f"{API}/applications/{number}/submit", **auth)
    assert again.status_code == 409
    assert problem(again)["type"].endswith("/wrong-state")


@pytest.mark.django_db
def test_upload_of_a_fetched_material_or_without_a_file_is_refused(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given a draft
    client = Client()
    auth = bearer(world.citizen_a)
    number = post_json(
        client, f"{API}/applications/drafts", {"implementation_id": upload_item.id}, **auth
    ).json()["number"]
    fetched = upload_item.materials.get(source="registry")
    upload = upload_item.materials.get(source="upload")

    # when a file is sent for the fetched material, no file is sent, and a foreign id is used
    wrong_material = client.post(
        f"{API}/applications/{number}/materials/{fetched.id}", data={"file": png()}, **auth
    )
    no_file = client.post(f"{API}/applications/{number}/materials/{upload.id}", data={}, **auth)
    foreign = client.post(
        f"{API}/applications/{number}/materials/999999", data={"file": png()}, **auth
    )

    # then: 422 for the fetched one and the missing file, 404 for a material not of the item
    assert wrong_material.status_code == 422
    assert no_file.status_code == 422 and problem(no_file)["errors"][0]["field"] == "file"
    assert foreign.status_code == 404
    problem(foreign)
    assert CaseMaterial.objects.filter(case__number=number, material__source="upload").count() == 0


# --------------------------------------------------------------------------- own cases only


@pytest.mark.django_db
def test_list_and_read_own_applications(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given two applications of citizen A and one of citizen B
    for _ in range(2):
        services.case_apply(actor=world.citizen_a, implementation=instant)
        services.case_apply(actor=world.citizen_b, implementation=instant)
    client = Client()
    auth = bearer(world.citizen_a)

    # when A lists and reads
    listing = client.get(f"{API}/applications?page_size=1", **auth)
    everything = client.get(f"{API}/applications", **auth).json()
    number = everything["items"][0]["number"]
    detail = client.get(f"{API}/applications/{number}", **auth)

    # then A sees exactly their own, paginated
    assert listing.status_code == 200
    assert listing.json()["count"] == 2 and len(listing.json()["items"]) == 1
    mine = set(Case.objects.filter(applicant=world.citizen_a).values_list("number", flat=True))
    assert {c["number"] for c in everything["items"]} == mine
    assert detail.status_code == 200 and detail.json()["number"] == number


@pytest.mark.django_db
def test_citizen_b_gets_404_for_citizen_a_case_on_read_and_resubmit(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given a case of citizen A
    case = services.case_apply(actor=world.citizen_a, implementation=instant)
    client = Client()
    auth_b = bearer(world.citizen_b)
    before = counts()

    # when citizen B reads it, resubmits it, submits it and uploads to it
    read = client.get(f"{API}/applications/{case.number}", **auth_b)
    resubmit = post_json(
        client, f"{API}/applications/{case.number}/resubmit", {"note": "x"}, **auth_b
    )
    submit = client.post(f"{API}/applications/{case.number}/submit", **auth_b)

    # then each is the same 404 as a number that does not exist, and nothing changed
    unknown = client.get(f"{API}/applications/NOSUCHCASE", **auth_b)
    for response in (read, resubmit, submit, unknown):
        assert response.status_code == 404
        assert problem(response)["detail"] == problem(unknown)["detail"]
    assert counts() == before


@pytest.mark.django_db
def test_resubmit_answers_a_supplement_request(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given an accepted case whose approver asked for the form again
    material = upload_item.materials.get(source="upload")
    case = services.case_apply(
        actor=world.citizen_a, implementation=upload_item, files={material.id: png()}
    )
    case = services.case_accept(actor=world.clerk, case=case)
    case = services.case_request_supplement(actor=world.approver, case=case, items=["申请表签字"])
    client = Client()
    auth = bearer(world.citizen_a)

    # when the citizen resubmits with a new file
    response = client.post(
        f"{API}/applications/{case.number}/resubmit",
        data={"note": "已签字", f"material_{material.id}": png("signed.png")},
        **auth,
    )

    # then the case is back in process with the clock running
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == CaseState.ACCEPTED
    assert body["sla_state"] in ("green", "yellow")
    assert CaseMaterial.objects.get(case=case, material=material).file_name == "signed.png"
    # and resubmitting again is a wrong-state conflict
    again = post_json(client, f"{API}/applications/{case.number}/resubmit", {"note": ""}, **auth)
    assert again.status_code == 409
    problem(again)
