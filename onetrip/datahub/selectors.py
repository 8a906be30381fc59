"""Reads of the registries that are not sharing calls (the holder's own view, public verify)."""

from django.db.models import QuerySet

from onetrip.accounts.models import User
from onetrip.datahub.models import ELicence


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
