from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from onetrip.accounts.models import Department, Region, User


def _system_admin(request) -> bool:  # type: ignore[no-untyped-def]
    return request.user.is_superuser or request.user.has_role("system_admin")


class SystemAdminOnly:
    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return _system_admin(request)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return _system_admin(request)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


@admin.register(User)
class OnetripUserAdmin(SystemAdminOnly, UserAdmin):
    list_display = ("username", "display_name", "kind", "department", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("username", "display_name", "id_number")
    fieldsets = UserAdmin.fieldsets + (
        (
            "onetrip",
            {"fields": ("kind", "id_number", "display_name", "phone", "department", "roles")},
        ),
    )


@admin.register(Region)
class RegionAdmin(SystemAdminOnly, admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(SystemAdminOnly, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("code", "name")
