from django.contrib import admin

from ecobrain.core.models import Organisation, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("adcode", "name", "level", "parent", "area_km2")
    list_filter = ("level",)
    search_fields = ("adcode", "name")
    readonly_fields = ("boundary",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "district")
    list_filter = ("kind",)
    search_fields = ("code", "name")
