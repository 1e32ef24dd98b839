from django.contrib import admin

from ecobrain.monitoring.models import ArchivedPacket, Series


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("device", "factor", "created")
    list_select_related = ("device", "factor")
    search_fields = ("device__mn", "factor__code", "factor__name")
    raw_id_fields = ("device", "factor")


@admin.register(ArchivedPacket)
class ArchivedPacketAdmin(admin.ModelAdmin):
    """Read-only: the archive is evidence and the source for re-derivation."""

    list_display = ("received_at", "mn", "cn", "outcome", "values_stored", "peer")
    list_filter = ("outcome", "cn")
    search_fields = ("mn",)
    date_hierarchy = "received_at"
    readonly_fields = ("raw_text", "received_at", "peer", "mn", "cn", "qn", "device", "outcome", "detail")
    exclude = ("raw",)
    show_full_result_count = False

    @admin.display(description="原始报文")
    def raw_text(self, obj):
        return obj.raw_text()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
