"""The data platform's public face for reads. Each area keeps its selectors in its own
module; callers import from here."""

from onetrip.datahub.selectors.licences import (  # noqa: F401
    LicenceVerification,
    licence_by_verification_code,
    licence_status,
    licence_verification,
    licences_of_holder,
)
