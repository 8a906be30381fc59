"""The data platform's public face for state changes. Each area keeps its service functions in
its own module; callers import from here."""

from onetrip.datahub.services.registries import (  # noqa: F401
    CASE_PREFILL,
    base_registries_ensure,
    find_licences,
    licence_issue,
    new_verification_code,
    share_fields,
)
