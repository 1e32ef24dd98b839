from django.contrib import admin

from ecobrain.complaints.models import Complaint, ComplaintEvent


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "at", "actor", "from_status", "to_status", "message", "public")
    fields = readonly_fields


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    # Read-only: complaints change through the services (timeline, notifications); personal data stays encrypted.
    list_display = ("tracking_number", "category", "status", "district", "channel", "created")
    list_filter = ("status", "category", "channel")
    search_fields = ("tracking_number",)
    exclude = ("contact_name_encrypted", "phone_encrypted", "phone_digest")
    inlines = [ComplaintEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
