"""The public data platform (公共数据平台): the base registries (人口库, 法人库, 证照库), the
resource catalog (数据资源目录), ingestion (归集) with problem data, the sharing API's clients,
grants and call log (共享调用), consents (授权) and correction requests (数据纠错)."""

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


class Grade(models.TextChoices):
    """Sensitivity grade of a field, after GB/T 43697-2024: general data in four levels by the
    harm of a leak, then important and core data. Ordered: a grant up to a grade shows every
    field at or below it in clear."""

    L1 = "L1", _("General, level 1")
    L2 = "L2", _("General, level 2")
    L3 = "L3", _("General, level 3")
    L4 = "L4", _("General, level 4")
    IMPORTANT = "important", _("Important")
    CORE = "core", _("Core")


GRADE_ORDER = {grade: rank for rank, grade in enumerate(Grade.values, start=1)}


class Dataset(models.Model):
    """One data resource in the catalog (数据资源目录), owned by a department."""

    class Storage(models.TextChoices):
        # Where the records live: the core's typed registries, or the generic record store.
        POPULATION = "population", _("Population registry")
        LEGAL_ENTITY = "legal_entity", _("Legal-entity registry")
        ELICENCE = "elicence", _("E-licence store")
        RECORDS = "records", _("Record store")

    class SharingClass(models.TextChoices):
        UNCONDITIONAL = "unconditional", _("Shared unconditionally")
        CONDITIONAL = "conditional", _("Shared on conditions")
        NOT_SHARED = "not_shared", _("Not shared")

    class OpeningClass(models.TextChoices):
        OPEN = "open", _("Open")
        CONDITIONAL = "conditional", _("Open on conditions")
        NOT_OPEN = "not_open", _("Not open")

    class Frequency(models.TextChoices):
        REALTIME = "realtime", _("Real time")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")
        ON_CHANGE = "on_change", _("On change")

    class SubjectKind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        ENTERPRISE = "enterprise", _("Enterprise")
        NONE = "none", _("Not about a person")

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    name_en = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="datasets"
    )
    key_field = models.CharField(max_length=64)
    # The field holding the resident ID or USCC of the person a record is about (the vault).
    subject_kind = models.CharField(
        max_length=16, choices=SubjectKind.choices, default=SubjectKind.NONE
    )
    subject_field = models.CharField(max_length=64, blank=True)
    update_frequency = models.CharField(
        max_length=16, choices=Frequency.choices, default=Frequency.DAILY
    )
    sharing_class = models.CharField(
        max_length=16, choices=SharingClass.choices, default=SharingClass.CONDITIONAL
    )
    opening_class = models.CharField(
        max_length=16, choices=OpeningClass.choices, default=OpeningClass.NOT_OPEN
    )
    storage = models.CharField(max_length=16, choices=Storage.choices, default=Storage.RECORDS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DatasetField(models.Model):
    """One field of a dataset's schema, with the checks ingestion applies and its grade."""

    class Type(models.TextChoices):
        STRING = "string", _("Text")
        INTEGER = "integer", _("Integer")
        DECIMAL = "decimal", _("Decimal")
        DATE = "date", _("Date")
        DATETIME = "datetime", _("Date and time")
        BOOLEAN = "boolean", _("Yes/no")
        ENUM = "enum", _("One of a list")
        RESIDENT_ID = "resident_id", _("Resident ID number")
        USCC = "uscc", _("Unified social credit code")
        REGION_CODE = "region_code", _("Region code")
        PHONE = "phone", _("Mobile number")

    class Masking(models.TextChoices):
        # How a value above the grant's grade is shown (RULES.md: masking defaults).
        FULL = "full", _("Hidden entirely")
        RESIDENT_ID = "resident_id", _("First 6 and last 4 kept")
        PHONE = "phone", _("First 3 and last 4 kept")
        NAME = "name", _("Family name kept")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=64)
    label = models.CharField(max_length=64)
    label_en = models.CharField(max_length=128, blank=True)
    description = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.STRING)
    required = models.BooleanField(default=False)
    enum_values = models.JSONField(default=list, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    grade = models.CharField(max_length=16, choices=Grade.choices, default=Grade.L2)
    masking = models.CharField(max_length=16, choices=Masking.choices, default=Masking.FULL)
    # Code of a dataset whose key this value must be (e.g. a region code, a resident ID).
    reference = models.CharField(max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dataset", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name"], name="dataset_field_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code}.{self.name}"


class DatasetRecord(models.Model):
    """A record of a dataset kept in the generic record store (storage "records")."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="records")
    key = models.CharField(max_length=64)
    subject_key = models.CharField(max_length=18, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "key"], name="dataset_record_key_unique")
        ]


class RecordVersion(models.Model):
    """A superseded version of a record, whatever its storage: a change keeps the old values."""

    class Change(models.TextChoices):
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    change = models.CharField(max_length=16, choices=Change.choices)
    superseded_at = models.DateTimeField()
    load = models.ForeignKey(
        "IngestionLoad", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correction = models.ForeignKey(
        "CorrectionRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["dataset", "key", "superseded_at"])]


class IngestionLoad(models.Model):
    """One load of a file into a dataset (归集), with its progress and quality report. The
    row is also the durable job a background worker claims."""

    class Mode(models.TextChoices):
        FULL = "full", _("Full (replaces the dataset)")
        INCREMENTAL = "incremental", _("Incremental (adds and updates)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking records")
        STORING = "storing", _("Storing")
        SUCCEEDED = "succeeded", _("Loaded")
        FAILED = "failed", _("Failed")

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="loads")
    started_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="ingest/%Y/%m/", max_length=300)
    file_name = models.CharField(max_length=200)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=8)  # csv, jsonl, xlsx
    encoding = models.CharField(max_length=16, default="auto")  # asked for
    encoding_detected = models.CharField(max_length=16, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.INCREMENTAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)  # why the whole file was refused
    rows_checked = models.PositiveIntegerField(default=0)
    rows_good = models.PositiveIntegerField(default=0)
    rows_problem = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_deleted = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(default=dict, blank=True)  # rule -> count of problem records
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    @property
    def problem_ratio(self) -> float:
        return self.rows_problem / self.rows_checked if self.rows_checked else 0.0


class ProblemRecord(models.Model):
    """A record that failed the checks (问题数据), kept with every reason and sent back to the
    owning department until a later load stores its key."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for correction")
        RESOLVED = "resolved", _("Corrected")

    load = models.ForeignKey(IngestionLoad, on_delete=models.CASCADE, related_name="problems")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="problems")
    row_number = models.PositiveIntegerField()
    key = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)  # the row as read, every column as text
    reasons = models.JSONField(default=list)  # [{"rule", "field", "message"}]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        IngestionLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["load", "row_number"]
        indexes = [models.Index(fields=["dataset", "status", "key"])]


class ApiClient(models.Model):
    """A system that reads shared data: a department's system, or a third party (e.g. a bank)
    that reads a person's data only under that person's consent."""

    class Kind(models.TextChoices):
        DEPARTMENT_SYSTEM = "department_system", _("Department system")
        THIRD_PARTY = "third_party", _("Third party")

    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    organisation_name = models.CharField(max_length=200, blank=True)  # third parties
    organisation_uscc = models.CharField(max_length=18, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=6000)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class ClientCredential(models.Model):
    """A client's secret. Only its SHA-256 is stored; rotation adds a new one and revokes the
    old, so a leaked secret stops working the moment it is revoked."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="credentials")
    key_id = models.CharField(max_length=16, unique=True)  # public part, shown in lists
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class AccessGrant(models.Model):
    """A client's access to named fields of a dataset for a purpose, until a date. Requests on
    unconditional datasets are granted at once; conditional ones wait for the owner."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        REVOKED = "revoked", _("Revoked")

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="grants")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="grants")
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=200)
    legal_basis = models.CharField(max_length=300)
    # Fields graded above this come masked even when granted.
    max_grade = models.CharField(max_length=16, choices=Grade.choices, default=Grade.L2)
    expires_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(blank=True)  # of a refusal or revocation
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["client", "dataset", "status"])]


class Consent(models.Model):
    """A person's authorisation (授权) for a third party to read named fields for a purpose
    until a date. Revocation takes effect on the next read."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    receipt_number = models.CharField(max_length=32, unique=True)
    subject = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    subject_key = models.CharField(max_length=18, db_index=True)  # resident ID or USCC
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="consents")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="consents")
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=200)
    valid_until = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["client", "subject_key", "status"])]


class SharingCall(models.Model):
    """One audited read of shared data (共享调用). Append-only and hash-chained (chain
    "sharing", see `onetrip.audit.chain`): written in the same transaction as the read it
    records, so no value leaves without its row; sealed into the chain just after commit."""

    CHAIN = "sharing"
    SEAL_LATER = True
    CHAINED_FIELDS = (
        "client_id",
        "consumer",
        "actor_id",
        "dataset_code",
        "keys",
        "fields",
        "purpose",
        "case_number",
        "consent_id",
        "hidden",
        "outcome",
        "status_code",
        "latency_ms",
        "created_at",
    )

    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    consumer = models.CharField(max_length=128, help_text="Name of the client at call time")
    # PROTECT, not SET_NULL: the actor is part of the hashed content (users are deactivated).
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dataset_code = models.CharField(max_length=64)
    keys = models.JSONField(default=list)  # the keys touched
    fields = models.JSONField(default=list)
    purpose = models.CharField(max_length=200)
    case_number = models.CharField(max_length=40, blank=True, db_index=True)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Covert access allowed by law: shown to the person once the case is closed.
    hidden = models.BooleanField(default=False)
    outcome = models.CharField(max_length=32, default="ok")
    status_code = models.PositiveSmallIntegerField(default=200)
    latency_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    seq = models.BigIntegerField(unique=True, null=True, blank=True)  # None until sealed
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="sharing_unsealed_idx"
            )
        ]


class SharingCallSubject(models.Model):
    """Index of the people a sharing call touched, so a person's vault finds every call about
    them without scanning the log."""

    call = models.ForeignKey(SharingCall, on_delete=models.PROTECT, related_name="subjects")
    subject_key = models.CharField(max_length=18)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["subject_key", "-created_at"], name="sharing_subject_idx")]


class RateWindow(models.Model):
    """Calls a client made in one minute: the rate limit, shared by every app server."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "window_start"], name="rate_window_unique")
        ]


class CorrectionRequest(models.Model):
    """A person's request to fix a field of a record about them (数据纠错), answered by the
    owning department's data steward within a deadline in working days."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the department")
        ACCEPTED = "accepted", _("Accepted: record corrected")
        REJECTED = "rejected", _("Rejected")

    number = models.CharField(max_length=32, unique=True)
    requester = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    subject_key = models.CharField(max_length=18, db_index=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="corrections")
    record_key = models.CharField(max_length=64)
    field_name = models.CharField(max_length=64)
    current_value = models.TextField(blank=True)
    proposed_value = models.TextField()
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField()
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dataset", "status", "deadline"])]
