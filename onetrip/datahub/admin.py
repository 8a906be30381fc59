"""Inspection screens for the data platform: datasets with their fields, API clients with
their credentials, grants. A data steward sees only their own department's rows; the system
admin sees all. Who may see what comes from the datahub selectors, never from here.

The screens are read-only, for everyone: every change to these rows is a business action
with an audit entry (and often a notification or a secret shown once), so it is made on the
workbench's data pages through `datahub.services`, never by saving a model here."""

from django.contrib import admin

from onetrip.accounts.models import Role
from onetrip.datahub.models import AccessGrant, ApiClient, ClientCredential, Dataset, DatasetField
from onetrip.datahub.selectors.catalog import (
    can_maintain_dataset,
    is_platform_admin,
    maintainable_datasets,
)


def _is_data_staff(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_active and (is_platform_admin(user) or user.has_role(Role.DATA_STEWARD)))


class DepartmentScopedAdmin(admin.ModelAdmin):
    """Rows of the user's department only; a steward can only assign their own department."""

    department_path = "department"

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        qs = super().get_queryset(request)
        if is_platform_admin(request.user):
            return qs
        if not request.user.has_role(Role.DATA_STEWARD) or not request.user.department_id:
            return qs.none()
        return qs.filter(**{f"{self.department_path}_id": request.user.department_id})

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return _is_data_staff(request.user)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        if not _is_data_staff(request.user):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    has_change_permission = has_delete_permission = has_add_permission


class DatasetFieldInline(admin.TabularInline):
    model = DatasetField
    extra = 0
    fields = (
        "position",
        "name",
        "label",
        "type",
        "required",
        "grade",
        "masking",
        "enum_values",
        "max_length",
        "reference",
    )

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return obj is None or can_maintain_dataset(request.user, obj)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(Dataset)
class DatasetAdmin(DepartmentScopedAdmin):
    list_display = (
        "code",
        "name",
        "department",
        "storage",
        "sharing_class",
        "opening_class",
        "update_frequency",
    )
    list_filter = ("storage", "sharing_class", "opening_class", "update_frequency")
    search_fields = ("code", "name", "name_en", "description")
    inlines = [DatasetFieldInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return maintainable_datasets(request.user).select_related("department")


class ClientCredentialInline(admin.TabularInline):
    """Credentials are listed, never shown or made here: secrets come from the workbench."""

    model = ClientCredential
    extra = 0
    fields = ("key_id", "created_at", "revoked_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(ApiClient)
class ApiClientAdmin(DepartmentScopedAdmin):
    list_display = ("name", "kind", "department", "organisation_name", "disabled_at")
    list_filter = ("kind",)
    search_fields = ("name", "organisation_name", "organisation_uscc")
    inlines = [ClientCredentialInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        qs = super().get_queryset(request)
        if is_platform_admin(request.user):
            return qs
        # Third parties (banks…) are registered by the system admin only.
        return qs.filter(kind=ApiClient.Kind.DEPARTMENT_SYSTEM)


@admin.register(AccessGrant)
class AccessGrantAdmin(DepartmentScopedAdmin):
    """Grants on the steward's datasets; decisions are taken on the workbench."""

    department_path = "dataset__department"
    list_display = ("client", "dataset", "status", "max_grade", "expires_on", "requested_at")
    list_filter = ("status", "max_grade")
    search_fields = ("client__name", "dataset__code", "purpose")
    raw_id_fields = ("client", "dataset", "requested_by", "decided_by")
