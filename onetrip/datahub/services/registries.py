"""Every read of a base registry for someone else's purpose is a sharing call, logged in the
same transaction as the read. A later issue's sharing API extends `share_fields`."""

import secrets
from datetime import date
from typing import Any

from django.utils import timezone

from onetrip.accounts.models import Department, User
from onetrip.audit import chain
from onetrip.core.services import service
from onetrip.datahub import base_registries
from onetrip.datahub.models import (
    AccessGrant,
    ApiClient,
    Dataset,
    DatasetField,
    ELicence,
    Grade,
    LicenceType,
    SharingCall,
    SharingCallSubject,
)
from onetrip.datahub.prefill import PrefillSource, prefill_sources

CASE_PREFILL = "case-prefill"


def _log_call(*, subject_key: str, actor: User | None, **values: Any) -> None:
    call_id, _, _ = chain.append(
        SharingCall, {**values, "actor_id": actor.pk if actor else None, "keys": [subject_key]}
    )
    SharingCallSubject.objects.create(
        call_id=call_id, subject_key=subject_key, created_at=timezone.now()
    )


@service
def share_fields(
    *,
    actor: User | None,
    source_key: str,
    subject_key: str,
    fields: list[str],
    purpose: str,
    case_number: str = "",
    consumer: str = CASE_PREFILL,
) -> dict[str, Any] | None:
    """Read `fields` of one subject from a prefill source and log the sharing call (who,
    which registry, which fields, purpose, case, time, outcome). The log row and the read
    commit together: no value leaves without its log row."""
    source: PrefillSource = prefill_sources.get(source_key)
    unknown = [f for f in fields if f not in source.fields]
    if unknown:
        raise KeyError(f"{source_key} has no fields {unknown}")
    values = source.fetch(subject_key, fields)
    _log_call(
        consumer=consumer,
        actor=actor,
        dataset_code=source_key,
        subject_key=subject_key,
        fields=fields,
        purpose=purpose,
        case_number=case_number,
        outcome="ok" if values is not None else "no_record",
    )
    return values


@service
def find_licences(
    *,
    actor: User | None,
    holder_id_number: str,
    licence_type_codes: list[str],
    purpose: str,
    case_number: str = "",
) -> dict[str, ELicence]:
    """The holder's valid e-licences of the given types, by type code, read as a logged
    sharing call against the e-licence store."""
    today = date.today()
    found: dict[str, ELicence] = {}
    for licence in (
        ELicence.objects.filter(
            holder_id_number=holder_id_number,
            licence_type__code__in=licence_type_codes,
            status=ELicence.Status.VALID,
        )
        .select_related("licence_type")
        .order_by("issued_on")
    ):
        if licence.valid_until is None or licence.valid_until >= today:
            found[licence.licence_type.code] = licence
    _log_call(
        consumer=CASE_PREFILL,
        actor=actor,
        dataset_code="elicence",
        subject_key=holder_id_number,
        fields=licence_type_codes,
        purpose=purpose,
        case_number=case_number,
        outcome="ok" if found else "no_record",
    )
    return found


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
    grants on them. Idempotent: schemas are brought back to the code's definition, grants and
    departments are created only when missing."""
    owners = {}
    for key, (kind, abbr, name) in base_registries.OWNERS.items():
        owners[key], _ = Department.objects.get_or_create(
            code=f"{base_registries.PROVINCE}-{abbr}",
            defaults={"name": name, "kind": kind, "region_id": base_registries.PROVINCE},
        )
    datasets = []
    for spec in base_registries.BASE_DATASETS:
        spec = dict(spec)
        fields = spec.pop("fields")
        owner = owners[spec.pop("owner")]
        dataset, _ = Dataset.objects.update_or_create(
            code=spec.pop("code"), defaults={**spec, "department": owner}
        )
        for position, field in enumerate(fields):
            DatasetField.objects.update_or_create(
                dataset=dataset,
                name=field["name"],
                defaults={**{k: v for k, v in field.items() if k != "name"}, "position": position},
            )
        DatasetField.objects.filter(dataset=dataset).exclude(
            name__in=[f["name"] for f in fields]
        ).delete()
        datasets.append((dataset, [f["name"] for f in fields]))
    client, _ = ApiClient.objects.get_or_create(
        name=base_registries.PREFILL_CLIENT,
        kind=ApiClient.Kind.DEPARTMENT_SYSTEM,
        defaults={"department": owners["big_data"], "rate_limit_per_minute": 1_000_000},
    )
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
