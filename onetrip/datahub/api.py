"""API: public e-licence verification by code, and the holder's own e-licences."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from onetrip.accounts.identifiers import mask_name, mask_resident_id
from onetrip.core.auth import applicant_auth
from onetrip.core.errors import NotFound
from onetrip.core.workdays import today
from onetrip.datahub.models import ELicence
from onetrip.datahub.selectors import licence_by_verification_code, licences_of_holder

router = Router()


# Two-character family names, so "欧阳修" masks as "欧阳*" and not "欧**".
def _status(licence: ELicence, on: dt.date) -> str:
    if licence.status == ELicence.Status.VALID and licence.valid_until and licence.valid_until < on:
        return "expired"
    return licence.status


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


class LicenceOut(Schema):
    """A licence as its holder sees it: nothing masked, with the verification code."""

    number: str
    licence_type: LicenceTypeOut
    holder_name: str
    holder_id_number: str
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    trust_level: str
    status: str
    verification_code: str
    case_number: str

    @staticmethod
    def resolve_issuer(obj: ELicence) -> str:
        return obj.issuer.name

    @staticmethod
    def resolve_status(obj: ELicence) -> str:
        return _status(obj, today())


@router.get(
    "/licences/verify/{code}",
    response=LicenceVerifyOut,
    auth=None,
    summary="Verify an e-licence by its code (public; holder masked)",
)
def licence_verify(request: HttpRequest, code: str) -> dict:
    licence = licence_by_verification_code(code=code)
    if licence is None:
        raise NotFound("No e-licence has this verification code.")
    is_person = licence.licence_type.holder_kind != "enterprise"
    return {
        "number": licence.number,
        "licence_type": licence.licence_type,
        "holder_name": mask_name(licence.holder_name) if is_person else licence.holder_name,
        "holder_id_number": mask_resident_id(licence.holder_id_number),
        "issuer": licence.issuer.name,
        "issued_on": licence.issued_on,
        "valid_until": licence.valid_until,
        "trust_level": licence.trust_level,
        "status": _status(licence, today()),
    }


@router.get(
    "/me/licences",
    response=list[LicenceOut],
    auth=applicant_auth,
    summary="My e-licences (licence wallet)",
)
@paginate(PageNumberPagination, page_size=50)
def my_licences(request: HttpRequest) -> QuerySet[ELicence]:
    return licences_of_holder(user=request.auth)
