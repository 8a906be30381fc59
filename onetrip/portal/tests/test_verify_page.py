"""The public verification page shows what the API shows: masked holder, status of today."""

import datetime as dt

import pytest

from onetrip.datahub.models import ELicence
from onetrip.datahub.services import licence_issue
from onetrip.testing import factories

pytestmark = pytest.mark.django_db


def _licence(world, issued_on: dt.date) -> ELicence:
    return licence_issue(
        licence_type=factories.licence_type(years=1),
        holder_id_number=world.citizen_a.id_number,
        holder_name="欧阳娜娜",
        issuer=world.civil,
        issued_on=issued_on,
        case_number="TEST",
    )


def test_valid_licence_shows_holder_masked(client, world):
    licence = _licence(world, dt.date.today())
    page = client.get(f"/en/verify/?code={licence.verification_code}").content.decode()
    assert "Genuine" in page
    assert "欧阳**" in page and "欧阳娜娜" not in page
    assert world.citizen_a.id_number not in page
    assert world.citizen_a.id_number[:6] + "********" + world.citizen_a.id_number[-4:] in page


def test_expired_licence_is_not_shown_as_valid(client, world):
    licence = _licence(world, dt.date(2020, 1, 1))  # valid for one year
    page = client.get(f"/en/verify/?code={licence.verification_code}").content.decode()
    assert "no longer valid" in page and "Genuine" not in page
    api = client.get(f"/api/v1/licences/verify/{licence.verification_code}").json()
    assert api["status"] == "expired" and api["holder_name"] == "欧阳**"


def test_unknown_code_is_told_next_to_the_field(client, world):
    response = client.get("/en/verify/?code=NOSUCHCODE")
    assert response.status_code == 404
    assert "No e-licence has this verification code." in response.content.decode()
