"""The base registries in the catalog, e-licences issued into the store, and the case prefill:
every read of a registry for a case is a sharing call through `sharing.share_read`, made by
the platform's own case-prefill client under its grants, with the case as its purpose."""

import secrets
from datetime import date
from typing import Any

from django.utils import timezone

from onetrip.accounts.models import Department, User
from onetrip.core.services import service
from onetrip.core.workdays import today
from onetrip.datahub import base_registries
from onetrip.datahub.models import (
    AccessGrant,
    ApiClient,
    Dataset,
    DatasetField,
    ELicence,
    Grade,
    LicenceType,
)
from onetrip.datahub.selectors.sharing import prefill_client
from onetrip.datahub.services.sharing import share_read

# The consumer name of prefill calls in the sharing log: the prefill client's name.
CASE_PREFILL = base_registries.PREFILL_CLIENT
# What the prefill reads of an e-licence to pick the holder's valid one of each type.
LICENCE_FIELDS = ["number", "licence_type", "issued_on", "valid_until", "status"]


# Not `@service` themselves: `share_read` runs its own transaction (joining the caller's) and
# must be able to log a refusal after rolling back.
def share_fields(
    *,
    actor: User | None,
    source_key: str,
    subject_key: str,
    fields: list[str],
    purpose: str,
    case_number: str = "",
) -> dict[str, Any] | None:
    """Read `fields` of one person from a base registry for a case, as a sharing call of the
    case-prefill client (logged with the purpose and case, in the caller's transaction).
    None when the registry has no record of the person."""
    result = share_read(
        client=prefill_client().client,
        dataset_code=source_key,
        keys=[subject_key],
        fields=fields,
        purpose=purpose,
        case_number=case_number,
        actor=actor,
    )
    return result.records.get(subject_key)


def find_licences(
    *,
    actor: User | None,
    holder_id_number: str,
    licence_type_codes: list[str],
    purpose: str,
    case_number: str = "",
) -> dict[str, ELicence]:
    """The holder's valid e-licences of the given types, by type code (the latest issued of
    each), read by holder as a sharing call of the case-prefill client."""
    result = share_read(
        client=prefill_client().client,
        dataset_code="elicence",
        keys=[holder_id_number],
        fields=LICENCE_FIELDS,
        purpose=purpose,
        case_number=case_number,
        actor=actor,
        by_subject=True,
    )
    on = today().isoformat()
    chosen: dict[str, str] = {}
    for number, record in sorted(result.records.items(), key=lambda kv: kv[1]["issued_on"]):
        if (
            record["licence_type"] in licence_type_codes
            and record["status"] == ELicence.Status.VALID
            and (record["valid_until"] is None or record["valid_until"] >= on)
        ):
            chosen[record["licence_type"]] = number
    if not chosen:
        return {}
    # The cases keep the licence row itself (a material points at it).
    rows = ELicence.objects.select_related("licence_type").in_bulk(
        list(chosen.values()), field_name="number"
    )
    return {code: rows[number] for code, number in chosen.items() if number in rows}


def new_verification_code() -> str:
    """16 characters from an alphabet without look-alikes (no 0/O, 1/I/L)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(16))


@service
def licence_issue(
    *,
    licence_type: LicenceType,
    holder_id_number: str,
    holder_name: str,
    issuer: Department,
    issued_on: date,
    case_number: str,
    data: dict[str, Any] | None = None,
) -> ELicence:
    """Put a new e-licence into the store with a unique number and verification code; its
    validity follows the licence type."""
    valid_until = None
    if licence_type.validity_years:
        try:
            valid_until = issued_on.replace(year=issued_on.year + licence_type.validity_years)
        except ValueError:  # 29 February
            valid_until = issued_on.replace(
                year=issued_on.year + licence_type.validity_years, day=28
            )
    return ELicence.objects.create(
        number=f"{licence_type.code}-{issuer.region_id}-{secrets.token_hex(6).upper()}",
        licence_type=licence_type,
        holder_id_number=holder_id_number,
        holder_name=holder_name,
        issuer=issuer,
        issued_on=issued_on,
        valid_until=valid_until,
        verification_code=new_verification_code(),
        case_number=case_number,
        data=data or {},
    )


@service
def base_registries_ensure() -> dict[str, int]:
    """Put the core's base registries (population, legal entity, e-licence) into the resource
    catalog with their owners and schemas, and the platform's case-prefill client with its
    grants on them. Idempotent, and a steward's later edits (labels, grades, masking,
    classes) stand: a dataset and its fields are written from the code's definition only
    when the dataset is new; what binds it to its table (storage, key, subject) is always
    put back."""
    owners = {}
    for key, (kind, abbr, name) in base_registries.OWNERS.items():
        owners[key], _ = Department.objects.get_or_create(
            code=f"{base_registries.PROVINCE}-{abbr}",
            defaults={"name": name, "kind": kind, "region_id": base_registries.PROVINCE},
        )
    datasets = []
    binding = ("storage", "key_field", "subject_kind", "subject_field")
    for spec in base_registries.BASE_DATASETS:
        spec = dict(spec)
        fields = spec.pop("fields")
        owner = owners[spec.pop("owner")]
        dataset, created = Dataset.objects.get_or_create(
            code=spec.pop("code"), defaults={**spec, "department": owner}
        )
        if created:
            DatasetField.objects.bulk_create(
                DatasetField(dataset=dataset, position=position, **field)
                for position, field in enumerate(fields)
            )
        elif any(getattr(dataset, name) != spec[name] for name in binding):
            for name in binding:
                setattr(dataset, name, spec[name])
            dataset.save(update_fields=list(binding))
        datasets.append((dataset, list(dataset.fields.values_list("name", flat=True))))
    client, _ = ApiClient.objects.get_or_create(
        name=base_registries.PREFILL_CLIENT,
        kind=ApiClient.Kind.DEPARTMENT_SYSTEM,
        defaults={"department": owners["big_data"], "rate_limit_per_minute": 0},
    )
    if client.rate_limit_per_minute:  # the platform's own reads are not rate limited (0)
        client.rate_limit_per_minute = 0
        client.save(update_fields=["rate_limit_per_minute"])
    for dataset, names in datasets:
        AccessGrant.objects.update_or_create(
            client=client,
            dataset=dataset,
            status=AccessGrant.Status.GRANTED,
            defaults={
                "fields": names,
                "purpose": "办件预填：申请人本人数据，替代纸质材料",
                "legal_basis": "《浙江省保障“最多跑一次”改革规定》第十三条",
                "max_grade": Grade.CORE,
                "expires_on": date(2099, 12, 31),
                "decided_at": timezone.now(),
            },
        )
    return {"datasets": len(datasets)}
