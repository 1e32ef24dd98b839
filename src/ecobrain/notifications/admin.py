"""The outbox for operators: what was sent, what waits, what failed and why; failed deliveries can be re-queued."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ecobrain.notifications import services
from ecobrain.notifications.choices import Channel
from ecobrain.notifications.models import Delivery, Notification, NotificationPreference
from ecobrain.notifications.sms import mask_phone


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "shown_address", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    readonly_fields = fields

    @admin.display(description=_("地址"))
    def shown_address(self, obj):
        return mask_phone(obj.address) if obj.channel == Channel.SMS else obj.address

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "severity", "created", "read_at")
    list_filter = ("kind", "severity", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "event_key", "recipient__username")
    list_select_related = ("recipient",)
    readonly_fields = [field.name for field in Notification._meta.fields]
    inlines = [DeliveryInline]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False  # notifications come from events (services.notify), not from the admin


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "notification",
        "channel",
        "shown_address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("notification__title", "notification__event_key", "provider_id")
    list_select_related = ("notification",)
    readonly_fields = [field.name for field in Delivery._meta.fields]
    exclude = ("address",)
    actions = ["requeue"]

    @admin.display(description=_("地址"))
    def shown_address(self, obj):
        return mask_phone(obj.address) if obj.channel == Channel.SMS else obj.address

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.readonly_fields if name != "address"] + ["shown_address"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发送所选的失败记录"))
    def requeue(self, request, queryset):
        count = services.requeue_deliveries(actor=request.user, ids=queryset.values_list("id", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d 条发送记录已重新排队。", "%(count)d 条发送记录已重新排队。", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "email_min_severity", "sms_enabled", "sms_min_severity")
    list_select_related = ("user",)
    search_fields = ("user__username",)
