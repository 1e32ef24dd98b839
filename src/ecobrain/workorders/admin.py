"""Administrators edit the deadline clocks and the holiday calendar here; work orders are read-only in the admin
(their changes go through the services, with a timeline)."""

from __future__ import annotations

from django.contrib import admin

from ecobrain.workorders.models import DeadlinePolicy, Holiday, WorkOrder, WorkOrderEvent


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("source", "days", "day_kind", "remind_before_hours", "updated")
    list_editable = ("days", "day_kind", "remind_before_hours")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"


class WorkOrderEventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_status", "to_status", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "source", "status", "district", "assignee_org", "deadline")
    list_filter = ("status", "source", "district")
    search_fields = ("number", "title")
    list_select_related = ("district", "assignee_org")
    inlines = [WorkOrderEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
