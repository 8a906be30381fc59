"""Service items (事项) with their six uniform elements and their per-region
implementations (实施清单), materials and instant-approval rules."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """The eight item types; the value is the two-letter code prefix (GB/T 39554.1)."""

    LICENCE = "XK", _("Administrative licence")
    CONFIRMATION = "QR", _("Administrative confirmation")
    ADJUDICATION = "CJ", _("Administrative adjudication")
    PAYMENT = "JF", _("Administrative payment")
    REWARD = "JL", _("Administrative reward")
    FILING = "BA", _("Administrative filing")
    OTHER_POWER = "QT", _("Other administrative power")
    PUBLIC_SERVICE = "GG", _("Public service")


class LifeTheme(models.TextChoices):
    BIRTH = "birth", _("Birth and childcare")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment and social security")
    MARRIAGE = "marriage", _("Marriage and family")
    HOUSING = "housing", _("Housing")
    TRANSPORT = "transport", _("Transport and driving")
    HEALTH = "health", _("Health and medical care")
    RETIREMENT = "retirement", _("Old age and retirement")
    IDENTITY = "identity", _("Identity and household")
    BUSINESS_START = "business_start", _("Starting a business")
    BUSINESS_OPERATION = "business_operation", _("Running a business")
    CONSTRUCTION = "construction", _("Construction and land")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ENTERPRISE = "enterprise", _("Enterprise")
    BOTH = "both", _("Citizen or enterprise")


class ServiceItem(models.Model):
    """A public service defined once for the province, with the six uniform elements."""

    code = models.CharField(
        max_length=10, unique=True, help_text="Basic code: type + 5-digit main + 3-digit sub"
    )
    name = models.CharField(max_length=128)
    name_en = models.CharField(max_length=200, blank=True)
    item_type = models.CharField(max_length=2, choices=ItemType.choices)
    competent_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="competent_items"
    )
    implementing_body = models.CharField(max_length=128)
    legal_basis = models.TextField()
    theme = models.CharField(max_length=32, choices=LifeTheme.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        from onetrip.catalog.rules import check_item_code

        check_item_code(self.code, self.item_type)


class ItemImplementation(models.Model):
    """An item as offered by one department in one region (实施清单)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="implementations")
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="implementations"
    )
    code = models.CharField(max_length=40, unique=True, help_text="Implementation code")
    applicant_kind = models.CharField(max_length=16, choices=ApplicantKind.choices)
    conditions = models.TextField(blank=True)
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    fee_note = models.CharField(max_length=200, blank=True)
    statutory_limit_days = models.PositiveSmallIntegerField()
    promised_limit_days = models.PositiveSmallIntegerField()
    visits_required = models.PositiveSmallIntegerField(default=0)
    online = models.BooleanField(default=True)
    mobile = models.BooleanField(default=True)
    window = models.BooleanField(default=True)
    online_suitable = models.BooleanField(default=True)
    special_steps = models.JSONField(
        default=list, blank=True, help_text='[{"name": "专家评审", "days": 5, "counts": false}]'
    )
    processing_steps = models.JSONField(
        default=list,
        blank=True,
        help_text='Ordered steps after acceptance, e.g. ["review", "approval"]',
    )
    allows_extension = models.BooleanField(default=False)
    max_extension_days = models.PositiveSmallIntegerField(default=0)
    licence_type = models.ForeignKey(
        "datahub.LicenceType", null=True, blank=True, on_delete=models.PROTECT
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["item__code", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "region"], name="one_implementation_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.item.name} @ {self.region.name}"

    def clean(self) -> None:
        if self.promised_limit_days is not None and self.statutory_limit_days is not None:
            if self.promised_limit_days > self.statutory_limit_days:
                raise ValidationError(
                    {
                        "promised_limit_days": _(
                            "The promised limit cannot exceed the statutory limit."
                        )
                    }
                )
        from onetrip.catalog.rules import check_processing_steps

        check_processing_steps(self.processing_steps)

    @property
    def steps(self) -> list[str]:
        return list(self.processing_steps or ["approval"])


class Material(models.Model):
    """A material an application needs and how it is satisfied."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by the applicant")
        REGISTRY = "registry", _("Fetched from a registry")
        LICENCE = "licence", _("An existing e-licence")

    implementation = models.ForeignKey(
        ItemImplementation, on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField(max_length=128)
    name_en = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    registry_field = models.CharField(
        max_length=64,
        blank=True,
        help_text="For registry materials: source.field, e.g. population.household_address",
    )
    licence_type = models.ForeignKey(
        "datahub.LicenceType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    required = models.BooleanField(default=True)
    deferrable = models.BooleanField(
        default=False, help_text="容缺: may be supplied after acceptance"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["implementation_id", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.source == self.Source.REGISTRY and not self.registry_field:
            raise ValidationError(
                {"registry_field": _("A fetched material names its registry field.")}
            )
        if self.source == self.Source.LICENCE and not self.licence_type_id:
            raise ValidationError({"licence_type": _("A licence material names its licence type.")})
        if self.source == self.Source.REGISTRY:
            from onetrip.catalog.rules import check_registry_field

            check_registry_field(self.registry_field)

    @property
    def is_fetched(self) -> bool:
        return self.source != self.Source.UPLOAD


class InstantApprovalRule(models.Model):
    """A declarative rule (智能秒办): when every condition holds on the prefilled facts, the
    case is approved with no human step. Conditions are data, checked on save, never eval'd.

    Format: {"all": [{"fact": "age", "op": ">=", "value": 60}, ...]}
    """

    implementation = models.ForeignKey(
        ItemImplementation, on_delete=models.CASCADE, related_name="instant_rules"
    )
    name = models.CharField(max_length=128)
    conditions = models.JSONField()
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from onetrip.catalog.rules import parse_conditions

        try:
            parse_conditions(self.conditions)
        except ValueError as exc:
            raise ValidationError({"conditions": str(exc)}) from None

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Validated on every save, not only in the admin form, so no bad rule is ever stored.
        from onetrip.catalog.rules import parse_conditions

        parse_conditions(self.conditions)
        super().save(*args, **kwargs)
