"""The base registries (人口库, 法人库, 证照库) and the log of every sharing call."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PopulationRecord(models.Model):
    """One person in the population registry (人口库)."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class MaritalStatus(models.TextChoices):
        UNMARRIED = "unmarried", _("Unmarried")
        MARRIED = "married", _("Married")
        DIVORCED = "divorced", _("Divorced")
        WIDOWED = "widowed", _("Widowed")

    resident_id = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=64)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField()
    ethnicity = models.CharField(max_length=16, default="汉族")
    household_address = models.CharField(max_length=200)
    household_region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT)
    marital_status = models.CharField(max_length=16, choices=MaritalStatus.choices)
    phone = models.CharField(max_length=20, blank=True)
    education = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} {self.resident_id[:6]}…"


class LegalEntityRecord(models.Model):
    """One legal person in the legal-entity registry (法人库)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In business")
        REVOKED = "revoked", _("Licence revoked")
        DEREGISTERED = "deregistered", _("Deregistered")

    uscc = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=200)
    entity_type = models.CharField(max_length=64)
    legal_representative = models.CharField(max_length=64)
    legal_representative_id = models.CharField(max_length=18, blank=True)
    registered_address = models.CharField(max_length=200)
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    business_scope = models.TextField(blank=True)
    established_on = models.DateField(null=True, blank=True)
    registered_capital = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class LicenceType(models.Model):
    """A kind of e-licence (证照类型), e.g. 营业执照 or 老年人优待证."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128, blank=True)
    holder_kind = models.CharField(max_length=16, default="citizen")
    validity_years = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class ELicence(models.Model):
    """An issued e-licence in the store (证照库), verifiable by its verification code."""

    class TrustLevel(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(max_length=40, unique=True)
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT)
    holder_id_number = models.CharField(max_length=18, db_index=True)
    holder_name = models.CharField(max_length=200)
    issuer = models.ForeignKey("accounts.Department", on_delete=models.PROTECT)
    issued_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    trust_level = models.CharField(max_length=1, choices=TrustLevel.choices, default=TrustLevel.A)
    verification_code = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    case_number = models.CharField(max_length=40, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.number}"


class SharingCall(models.Model):
    """One audited read of a base registry (共享调用). Append-only: written by
    `datahub.services` in the same transaction as the read it records."""

    consumer = models.CharField(max_length=64, help_text="System or client that read")
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registry = models.CharField(max_length=32)
    subject_key = models.CharField(max_length=32, db_index=True)
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=200)
    case_number = models.CharField(max_length=40, blank=True, db_index=True)
    outcome = models.CharField(max_length=16, default="ok")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
