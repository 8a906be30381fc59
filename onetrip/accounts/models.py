import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative area with its GB/T 2260 code: province, city (设区市) or county."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def code_prefix(self) -> str:
        """The code digits shared by this region and everything under it."""
        if self.level == self.Level.PROVINCE:
            return self.code[:2]
        if self.level == self.Level.CITY:
            return self.code[:4]
        return self.code


class Department(models.Model):
    """A government department in one region (e.g. 杭州市西湖区市场监督管理局)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=128)
    name_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32, help_text="Sector, e.g. public_security, civil_affairs")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["region_id", "code"]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    APPROVER = "approver", _("Approver")
    DEPARTMENT_ADMIN = "department_admin", _("Department admin")
    DATA_STEWARD = "data_steward", _("Data steward")
    INSPECTOR = "inspector", _("Inspector")
    CREDIT_OFFICER = "credit_officer", _("Credit officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    SYSTEM_ADMIN = "system_admin", _("System admin")


class User(AbstractUser):
    """Everyone who logs in. Citizens log in with their resident ID, enterprises with their
    USCC (both as `username` and `id_number`); staff belong to a department and hold roles."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        ENTERPRISE = "enterprise", _("Enterprise")
        STAFF = "staff", _("Staff")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CITIZEN)
    id_number = models.CharField(
        max_length=18, blank=True, default="", help_text="Resident ID or USCC"
    )
    display_name = models.CharField(max_length=128, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    # Roles as a list: checked on every staff request, so no extra query.
    roles = models.JSONField(default=list, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="user_id_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_role(self, role: str) -> bool:
        return self.kind == self.Kind.STAFF and role in (self.roles or [])

    @property
    def is_applicant(self) -> bool:
        return self.kind in (self.Kind.CITIZEN, self.Kind.ENTERPRISE)


class ApiToken(models.Model):
    """A bearer token for API clients. Only the SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return "ot_" + secrets.token_urlsafe(32)


class LoginFailure(models.Model):
    """One failed login for an identity (resident ID, USCC or username), kept to slow down
    password guessing; cleared by a successful login."""

    identity = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["identity", "at"], name="login_failure_idx")]
