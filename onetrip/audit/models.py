"""The sensitive-action audit log and the heads of the hash chains (see `chain.py`)."""

from django.db import models


class ChainHead(models.Model):
    """The last entry of one hash chain. Appending locks this row, so entries of a chain are
    numbered without gaps and each carries the hash of the one before."""

    chain = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)


class AuditEntry(models.Model):
    """One sensitive read or write (审计): who did what to which object. Append-only and
    hash-chained (chain "audit")."""

    CHAIN = "audit"
    CHAINED_FIELDS = (
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "subject_key",
        "detail",
        "created_at",
    )

    # PROTECT, not SET_NULL: the actor is part of the hashed content (users are deactivated).
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=128, blank=True)
    action = models.CharField(max_length=64, db_index=True)  # e.g. "consent.revoke"
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # The person the action concerns, if any: their vault lists it.
    subject_key = models.CharField(max_length=18, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
