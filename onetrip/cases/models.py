"""Cases (办件) and their history. State changes happen only in `cases.services`."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ACCEPTED = "accepted", _("Accepted, in process")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DELIVERED = "delivered", _("Delivered")
    ARCHIVED = "archived", _("Archived")


# States in which the deadline clock runs.
CLOCK_RUNNING = (CaseState.ACCEPTED,)
OPEN_STATES = (
    CaseState.DRAFT,
    CaseState.SUBMITTED,
    CaseState.ACCEPTED,
    CaseState.SUPPLEMENT_REQUESTED,
)


# States of the staff work queue.
QUEUE_STATES = (
    CaseState.SUBMITTED,
    CaseState.ACCEPTED,
    CaseState.SUPPLEMENT_REQUESTED,
    CaseState.APPROVED,
)


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    MOBILE = "mobile", _("Mobile")
    WINDOW = "window", _("Window")
    KIOSK = "kiosk", _("Self-service kiosk")


class CreditOutcome(models.TextChoices):
    PRIORITY = "priority", _("Priority (credit commitment)")
    NORMAL = "normal", _("Normal")
    STRICT = "strict", _("Strict handling")
    REFUSE = "refuse", _("Refuse")
    KEY_SUPERVISION = "key_supervision", _("Key supervision")


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    EXPRESS = "express", _("Express post")
    PICKUP = "pickup", _("Pickup at a window")


class SlaState(models.TextChoices):
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    PAUSED = "paused", _("Paused")
    NONE = "none", _("No clock")


class Case(models.Model):
    number = models.CharField(max_length=40, unique=True)
    implementation = models.ForeignKey(
        "catalog.ItemImplementation", on_delete=models.PROTECT, related_name="cases"
    )
    # Copied from the implementation so the staff queue filters without joins.
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="cases")
    applicant_name = models.CharField(max_length=200)
    applicant_id_number = models.CharField(max_length=18)
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(max_length=24, choices=CaseState.choices, default=CaseState.DRAFT)
    current_step = models.PositiveSmallIntegerField(default=0)
    form_data = models.JSONField(default=dict, blank=True)
    prefilled = models.JSONField(default=dict, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    credit_outcome = models.CharField(max_length=20, choices=CreditOutcome.choices, blank=True)
    credit_note = models.CharField(max_length=200, blank=True)

    acceptance_number = models.CharField(max_length=40, blank=True)
    not_accepted_reason = models.TextField(blank=True)
    supplement_notice = models.JSONField(default=list, blank=True)

    # The deadline clock, in working days (see cases.deadlines).
    limit_days = models.PositiveSmallIntegerField(null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    days_used = models.PositiveSmallIntegerField(default=0)
    clock_started_on = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    statutory_deadline = models.DateField(null=True, blank=True)
    yellow_from = models.DateField(null=True, blank=True)

    decision_reason = models.TextField(blank=True)
    decision_basis = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instant_rule = models.ForeignKey(
        "catalog.InstantApprovalRule", null=True, blank=True, on_delete=models.SET_NULL
    )
    instant_rule_name = models.CharField(max_length=128, blank=True)
    licence = models.ForeignKey("datahub.ELicence", null=True, blank=True, on_delete=models.PROTECT)
    delivery_method = models.CharField(max_length=16, choices=DeliveryMethod.choices, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="case_idempotency_key_unique",
            )
        ]
        indexes = [
            # The staff queue filtered by SLA state: department, state, then in deadline
            # order, with yellow_from inside the index so the yellow filter needs no heap.
            models.Index(
                fields=["department", "state", "deadline", "id", "yellow_from"],
                name="case_queue_idx",
            ),
            # The unfiltered queue: every open case of a department, most urgent first.
            models.Index(
                F("department"),
                F("deadline").asc(nulls_first=True),
                F("id"),
                name="case_open_queue_idx",
                condition=Q(state__in=QUEUE_STATES),
            ),
            # A window clerk's queue covers the region of the hall.
            models.Index(
                fields=["region", "state", "deadline", "id"], name="case_region_queue_idx"
            ),
            models.Index(fields=["applicant", "-created_at"], name="case_applicant_idx"),
            models.Index(
                fields=["implementation", "applicant", "state"], name="case_open_same_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One line of a case's history: who did what, when, from which state to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


def material_upload_to(instance: "CaseMaterial", filename: str) -> str:
    return f"cases/{instance.case.number}/{instance.material_id}-{filename}"


class CaseMaterial(models.Model):
    """A material as supplied for one case: an upload, a fetched registry value or a licence."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey("catalog.Material", on_delete=models.PROTECT)
    source = models.CharField(max_length=16)
    file = models.FileField(upload_to=material_upload_to, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    licence = models.ForeignKey("datahub.ELicence", null=True, blank=True, on_delete=models.PROTECT)
    value = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "material"], name="one_supply_per_material")
        ]
