from django.contrib import admin

from ecobrain.registry.models import (
    Contact,
    Device,
    Enterprise,
    MonitoringFactor,
    Outlet,
    OutletFactor,
    Permit,
    PermitPollutant,
    Station,
)


@admin.register(MonitoringFactor)
class MonitoringFactorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "old_code", "medium", "unit")
    list_filter = ("medium",)
    search_fields = ("code", "name", "old_code")


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "district", "status", "water_target_class", "is_demo")
    list_filter = ("kind", "status", "district", "waterbody", "water_target_class", "is_demo")
    search_fields = ("code", "name")
    filter_horizontal = ("factors",)
    readonly_fields = ("district",)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "industry", "district", "key_unit_category", "status")
    list_filter = ("industry", "key_unit_category", "district", "status")
    search_fields = ("name", "credit_code")
    inlines = [ContactInline]


class OutletFactorInline(admin.TabularInline):
    model = OutletFactor
    extra = 0


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "enterprise", "kind", "is_online_monitored")
    list_filter = ("kind", "is_online_monitored")
    search_fields = ("code", "name", "enterprise__name")
    autocomplete_fields = ("enterprise",)
    inlines = [OutletFactorInline]


class PermitPollutantInline(admin.TabularInline):
    model = PermitPollutant
    extra = 0


@admin.register(Permit)
class PermitAdmin(admin.ModelAdmin):
    list_display = ("number", "enterprise", "category", "valid_from", "valid_to")
    list_filter = ("category",)
    search_fields = ("number", "enterprise__name")
    autocomplete_fields = ("enterprise",)
    inlines = [PermitPollutantInline]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("mn", "protocol_version", "station", "outlet", "status")
    list_filter = ("protocol_version", "status")
    search_fields = ("mn",)
    autocomplete_fields = ("station", "outlet")
