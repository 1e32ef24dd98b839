from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from ecobrain.accounts.models import APIToken, LoginThrottle, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "organisation", "city_wide", "is_active")
    list_filter = ("role", "city_wide", "is_active", "organisation")
    filter_horizontal = ("districts", "groups", "user_permissions")
    autocomplete_fields = ("enterprise",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("角色与范围", {"fields": ("role", "organisation", "city_wide", "districts", "enterprise", "phone")}),
    )


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ("key_id", "user", "name", "created", "expires", "last_used", "revoked")
    readonly_fields = ("key_id", "digest", "created", "last_used")
    list_filter = ("revoked",)


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ("key", "failures", "last_failure", "locked_until")
