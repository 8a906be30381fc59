"""Reads of the registries that are not sharing calls (the holder's own view, public verify)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from onetrip.accounts.identifiers import mask_name, mask_resident_id
from onetrip.accounts.models import Department, User
from onetrip.core.workdays import today
from onetrip.datahub.models import ELicence, LicenceType


def licence_status(licence: ELicence, *, on: dt.date | None = None) -> str:
    """valid, revoked, or expired (a valid licence past its validity date)."""
    if licence.status == ELicence.Status.VALID and licence.valid_until:
        if licence.valid_until < (on or today()):
            return "expired"
    return licence.status


@dataclass(frozen=True)
class LicenceVerification:
    """What anyone holding a verification code may learn: the holder masked (RULES: names
    keep the family name, IDs the first 6 and last 4 characters; an enterprise's name is
    public), and whether the licence is valid today."""

    number: str
    licence_type: LicenceType
    holder_name: str
    holder_id_number: str
    issuer: Department
    issued_on: dt.date
    valid_until: dt.date | None
    trust_level: str
    status: str


def licence_verification(*, code: str) -> LicenceVerification | None:
    licence = licence_by_verification_code(code=code)
    if licence is None:
        return None
    is_person = licence.licence_type.holder_kind != "enterprise"
    return LicenceVerification(
        number=licence.number,
        licence_type=licence.licence_type,
        holder_name=mask_name(licence.holder_name) if is_person else licence.holder_name,
        holder_id_number=mask_resident_id(licence.holder_id_number),
        issuer=licence.issuer,
        issued_on=licence.issued_on,
        valid_until=licence.valid_until,
        trust_level=licence.trust_level,
        status=licence_status(licence),
    )


def licence_by_verification_code(*, code: str) -> ELicence | None:
    """Public verification: anyone holding the code may check the licence is genuine."""
    return (
        ELicence.objects.select_related("licence_type", "issuer")
        .filter(verification_code=(code or "").strip().upper())
        .first()
    )


def licences_of_holder(*, user: User) -> QuerySet[ELicence]:
    """The e-licences held by the logged-in applicant; nobody else's."""
    if not user.is_authenticated or not user.is_applicant or not user.id_number:
        return ELicence.objects.none()
    return (
        ELicence.objects.select_related("licence_type", "issuer")
        .filter(holder_id_number=user.id_number)
        .order_by("-issued_on", "-id")
    )
