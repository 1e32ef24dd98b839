from django.contrib import admin

from ecobrain.ingest.models import DeviceCommand, DeviceSession, DeviceStatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """The gateway writes these; commands are queued through the service (device page, API), not the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeviceSession)
class DeviceSessionAdmin(ReadOnlyAdmin):
    list_display = ("device", "online", "connected", "last_seen_at", "expected_interval", "packets", "errors", "peer")
    list_filter = ("online", "connected", "interval_source")
    list_select_related = ("device",)
    search_fields = ("device__mn", "peer", "gateway")


@admin.register(DeviceCommand)
class DeviceCommandAdmin(ReadOnlyAdmin):
    list_display = ("created", "device", "cn", "state", "attempts", "qn", "created_by", "finished_at")
    list_filter = ("state", "cn")
    list_select_related = ("device", "created_by")
    search_fields = ("device__mn", "qn")
    date_hierarchy = "created"
    show_full_result_count = False


@admin.register(DeviceStatusChange)
class DeviceStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "device", "online", "last_seen_at", "peer", "expected_interval", "recorded_at")
    list_filter = ("online",)
    list_select_related = ("device",)
    search_fields = ("device__mn", "peer")
    date_hierarchy = "at"
    show_full_result_count = False
