"""The data platform's public face for state changes. Each area keeps its service functions in
its own module; callers import from here."""

from onetrip.datahub.services.catalog import (  # noqa: F401
    dataset_create,
    dataset_field_delete,
    dataset_field_save,
    dataset_update,
)
from onetrip.datahub.services.ingestion import (  # noqa: F401
    ingestion_fail_stale,
    ingestion_rerun,
    ingestion_run,
    ingestion_start,
    ingestion_work_once,
    ingestion_worker_loop,
)
from onetrip.datahub.services.registries import (  # noqa: F401
    CASE_PREFILL,
    base_registries_ensure,
    find_licences,
    licence_issue,
    new_verification_code,
    share_fields,
)
from onetrip.datahub.services.sharing import (  # noqa: F401
    ShareResult,
    SharingLogUnavailable,
    client_authenticate,
    client_create,
    client_disable,
    credential_revoke,
    credential_rotate,
    grant_decide,
    grant_request,
    grant_revoke,
    share_read,
    share_refusal_log,
)
from onetrip.datahub.services.vault import (  # noqa: F401
    consent_grant,
    consent_revoke,
    correction_accept,
    correction_reject,
    correction_request_file,
)
