"""Configuration screens for the catalog. A department admin sees and edits only their own
department's items (rules in catalog.permissions); rules are validated on save."""

from django.contrib import admin

from onetrip.accounts.models import Department
from onetrip.catalog import permissions
from onetrip.catalog.models import InstantApprovalRule, ItemImplementation, Material, ServiceItem


class DepartmentScopedAdmin(admin.ModelAdmin):
    scope_queryset = staticmethod(permissions.maintainable_items)
    can_edit = staticmethod(permissions.can_edit_item)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return self.scope_queryset(request.user)

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return permissions.is_catalog_maintainer(request.user)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.can_edit(request.user, obj)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return permissions.is_catalog_maintainer(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        # A department admin can only assign their own department.
        user = request.user
        if db_field.related_model is Department and not (
            user.is_superuser or user.has_role("system_admin")
        ):
            kwargs["queryset"] = Department.objects.filter(pk=user.department_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ServiceItem)
class ServiceItemAdmin(DepartmentScopedAdmin):
    list_display = ("code", "name", "item_type", "competent_department", "theme")
    list_filter = ("item_type", "theme")
    search_fields = ("code", "name", "name_en")


class ImplementationPartInline:
    """Materials and rules are edited by whoever may edit their implementation."""

    extra = 0

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return permissions.can_edit_implementation(request.user, obj)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


class MaterialInline(ImplementationPartInline, admin.TabularInline):
    model = Material


class InstantApprovalRuleInline(ImplementationPartInline, admin.StackedInline):
    model = InstantApprovalRule


@admin.register(ItemImplementation)
class ItemImplementationAdmin(DepartmentScopedAdmin):
    scope_queryset = staticmethod(permissions.maintainable_implementations)
    can_edit = staticmethod(permissions.can_edit_implementation)
    list_display = ("code", "item", "region", "department", "promised_limit_days", "is_active")
    list_filter = ("is_active", "applicant_kind", "online", "mobile")
    search_fields = ("code", "item__name")
    inlines = [MaterialInline, InstantApprovalRuleInline]
    raw_id_fields = ("item",)
