"""Admin: rules are edited in the rule pages (kind-specific parameters); here they are listed and linked. Alarms
and their timeline are read-only: their state changes only through the lifecycle services (the admin action
acknowledges through them)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ecobrain.alarms.models import Alarm, AlarmEvent, AlarmRule, EvaluationWatermark
from ecobrain.alarms.services.lifecycle import acknowledge_alarms


@admin.register(AlarmRule)
class AlarmRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "enabled", "severity", "district", "consecutive", "clear_after", "updated")
    list_filter = ("kind", "enabled", "severity", "district")
    search_fields = ("name", "description")
    list_select_related = ("district",)
    raw_id_fields = ("enterprise", "outlet", "station", "factor", "created_by")
    filter_horizontal = ("recipients",)
    readonly_fields = ("params", "created", "updated")

    def has_add_permission(self, request):
        return False  # parameters are typed per kind: the rule pages (/alarms/rules/add/) validate them


class AlarmEventInline(admin.TabularInline):
    model = AlarmEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "message", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "status", "severity", "kind", "district", "triggered_at", "trigger_count")
    list_filter = ("status", "kind", "severity", "district")
    search_fields = ("title", "object_key")
    date_hierarchy = "triggered_at"
    list_select_related = ("district",)
    show_full_result_count = False
    inlines = [AlarmEventInline]
    actions = ["acknowledge_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Alarm._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("确认所选报警"))
    def acknowledge_selected(self, request, queryset):
        result = acknowledge_alarms(list(queryset.values_list("pk", flat=True)[:500]), actor=request.user)
        self.message_user(
            request,
            _("已确认 %(done)s 条，跳过 %(skipped)s 条。")
            % {"done": result.done_count, "skipped": result.skipped_count},
            messages.SUCCESS,
        )


@admin.register(EvaluationWatermark)
class EvaluationWatermarkAdmin(admin.ModelAdmin):
    list_display = ("source", "until", "updated")
    readonly_fields = ("source", "until", "updated")

    def has_add_permission(self, request):
        return False
