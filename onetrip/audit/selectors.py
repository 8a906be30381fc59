"""Reads of the audit log and its chains."""

from django.db.models import Model

from onetrip.audit import chain
from onetrip.audit.models import AuditEntry


def chained_models() -> list[type[Model]]:
    """Every hash-chained table, in the order `audit verify` checks them."""
    from onetrip.datahub.models import SharingCall

    return [SharingCall, AuditEntry]


def chains_verify() -> list[chain.ChainReport]:
    """Verify every chain from its first entry; see `chain.verify`."""
    return [chain.verify(model) for model in chained_models()]
