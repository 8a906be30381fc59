"""The data platform's public face for reads. Each area keeps its selectors in its own
module; callers import from here."""

from onetrip.datahub.selectors.catalog import (  # noqa: F401
    access_dataset,
    can_create_dataset,
    can_maintain_dataset,
    dataset_list,
    maintainable_datasets,
)
from onetrip.datahub.selectors.ingestion import (  # noqa: F401
    access_load,
    loads_of_dataset,
    problem_ratio_series,
    problem_records_open,
    problem_rows_csv,
)
from onetrip.datahub.selectors.licences import (  # noqa: F401
    LicenceVerification,
    licence_by_verification_code,
    licence_status,
    licence_verification,
    licences_of_holder,
)
from onetrip.datahub.selectors.sharing import (  # noqa: F401
    SharedDataset,
    access_client,
    access_grant,
    can_decide_grant,
    can_manage_client,
    clients_of_department,
    grant_requests_pending,
    grants_of_api_client,
    grants_of_client,
    prefill_client,
    shared_dataset,
)
from onetrip.datahub.selectors.vault import (  # noqa: F401
    VaultAccess,
    access_consent,
    access_correction,
    can_decide_correction,
    consent_datasets,
    consents_of,
    correction_queue,
    corrections_of,
    is_correctable,
    third_party_clients,
    vault_accesses,
    vault_records,
)
