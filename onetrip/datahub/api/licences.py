"""API: public e-licence verification by code, and the holder's own e-licences."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from onetrip.core.auth import applicant_auth
from onetrip.core.errors import NotFound
from onetrip.datahub.models import ELicence
from onetrip.datahub.selectors import (
    LicenceVerification,
    licence_status,
    licence_verification,
    licences_of_holder,
)

router = Router()


# Two-character family names, so "欧阳修" masks as "欧阳*" and not "欧**".
class LicenceTypeOut(Schema):
    code: str
    name: str


class LicenceVerifyOut(Schema):
    number: str
    licence_type: LicenceTypeOut
    holder_name: str
    holder_id_number: str
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    trust_level: str
    status: str

    @staticmethod
    def resolve_issuer(obj: LicenceVerification | ELicence) -> str:
        return obj.issuer.name


class LicenceOut(LicenceVerifyOut):
    """A licence as its holder sees it: nothing masked, with the verification code."""

    verification_code: str
    case_number: str

    @staticmethod
    def resolve_status(obj: ELicence) -> str:
        return licence_status(obj)


@router.get(
    "/licences/verify/{code}",
    response=LicenceVerifyOut,
    auth=None,
    summary="Verify an e-licence by its code (public; holder masked)",
)
def licence_verify(request: HttpRequest, code: str) -> LicenceVerification:
    verification = licence_verification(code=code)
    if verification is None:
        raise NotFound("No e-licence has this verification code.")
    return verification


@router.get(
    "/me/licences",
    response=list[LicenceOut],
    auth=applicant_auth,
    summary="My e-licences (licence wallet)",
)
@paginate(PageNumberPagination, page_size=50)
def my_licences(request: HttpRequest) -> QuerySet[ELicence]:
    return licences_of_holder(user=request.auth)
