from django.contrib import admin

from ecobrain.audit.models import ObjectChange, SecurityEvent


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    """Read-only: the change log is written by the application, never edited."""

    list_display = ("time", "action", "content_type", "object_repr", "user_name", "source")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "user_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ObjectChangeAdmin):
    list_display = ("time", "kind", "username", "ip")
    list_filter = ("kind",)
    search_fields = ("username", "ip")
