"""Registry pages: list / detail / edit / delete / import per model, and the enterprise's one file."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from ecobrain.core.object_views import (
    DetailTab,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectListView,
    register_detail_tab,
)
from ecobrain.registry import filtersets, forms, importers, tables
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

# model, url name, table, filterset, form, importer
REGISTRY_PAGES = {
    "factor": (
        MonitoringFactor,
        tables.factor_table,
        filtersets.MonitoringFactorFilterSet,
        forms.MonitoringFactorForm,
        importers.MonitoringFactorImporter,
    ),
    "station": (
        Station,
        tables.station_table,
        filtersets.StationFilterSet,
        forms.StationForm,
        importers.StationImporter,
    ),
    "enterprise": (
        Enterprise,
        tables.enterprise_table,
        filtersets.EnterpriseFilterSet,
        forms.EnterpriseForm,
        importers.EnterpriseImporter,
    ),
    "contact": (
        Contact,
        tables.contact_table,
        filtersets.ContactFilterSet,
        forms.ContactForm,
        importers.ContactImporter,
    ),
    "outlet": (Outlet, tables.outlet_table, filtersets.OutletFilterSet, forms.OutletForm, importers.OutletImporter),
    "outletfactor": (
        OutletFactor,
        tables.outlet_factor_table,
        filtersets.OutletFactorFilterSet,
        forms.OutletFactorForm,
        importers.OutletFactorImporter,
    ),
    "permit": (Permit, tables.permit_table, filtersets.PermitFilterSet, forms.PermitForm, importers.PermitImporter),
    "permitpollutant": (
        PermitPollutant,
        tables.permit_pollutant_table,
        filtersets.PermitPollutantFilterSet,
        forms.PermitPollutantForm,
        importers.PermitPollutantImporter,
    ),
    "device": (Device, tables.device_table, filtersets.DeviceFilterSet, forms.DeviceForm, importers.DeviceImporter),
}


def _views_for(key: str):
    model, table, filterset, form, importer = REGISTRY_PAGES[key]
    attrs = {"model": model, "url_base": f"registry:{key}"}
    return {
        "list": type(
            f"{model.__name__}ListView",
            (ObjectListView,),
            {**attrs, "table": table, "filterset_class": filterset, "importer_class": importer},
        ),
        "edit": type(f"{model.__name__}EditView", (ObjectEditView,), {**attrs, "form_class": form}),
        "delete": type(f"{model.__name__}DeleteView", (ObjectDeleteView,), attrs),
        "import": type(f"{model.__name__}ImportView", (ObjectImportView,), {**attrs, "importer_class": importer}),
    }


# The enterprise's one file takes tabs from later modules (data, alarms, inspections, …) like any detail page.
EnterpriseFileTab = DetailTab


def register_enterprise_file_tab(tab: DetailTab) -> None:
    """Called from another app's ``AppConfig.ready()`` to add its tab to the one file."""
    register_detail_tab("registry.enterprise", tab)


class MonitoringFactorDetailView(ObjectDetailView):
    model = MonitoringFactor
    url_base = "registry:factor"


class StationDetailView(ObjectDetailView):
    model = Station
    url_base = "registry:station"

    def extra_context(self, obj):
        return {"factors": obj.factors.all(), "devices": obj.devices.all()}

    def detail_fields(self, obj):
        fields = super().detail_fields(obj)
        if obj.is_water_section():
            return fields
        water = {str(Station._meta.get_field(name).verbose_name) for name in ("waterbody", "water_target_class")}
        return [(label, value) for label, value in fields if label not in water]


class EnterpriseDetailView(ObjectDetailView):
    """The one file (一源一档): outlets with limits and devices, permits, contacts, on one page with tabs."""

    model = Enterprise
    url_base = "registry:enterprise"

    def extra_context(self, obj):
        user = self.request.user
        outlets = (
            Outlet.objects.restrict(user)
            .filter(enterprise=obj)
            .prefetch_related(
                Prefetch(
                    "factor_limits", queryset=OutletFactor.objects.select_related("factor").order_by("factor__code")
                ),
                Prefetch("devices", queryset=Device.objects.order_by("mn")),
            )
            .order_by("code")
        )
        permits = (
            Permit.objects.restrict(user)
            .filter(enterprise=obj)
            .prefetch_related(Prefetch("pollutants", queryset=PermitPollutant.objects.select_related("factor")))
        )
        devices = Device.objects.restrict(user).filter(outlet__enterprise=obj).select_related("outlet")
        return {
            "outlets": outlets,
            "permits": permits,
            "contacts": Contact.objects.restrict(user).filter(enterprise=obj),
            "devices": devices,
            "counts": Outlet.objects.filter(enterprise=obj).aggregate(
                gas=Count("pk", filter=Q(kind="gas")), water=Count("pk", filter=Q(kind="water"))
            ),
        }


class ContactDetailView(ObjectDetailView):
    model = Contact
    url_base = "registry:contact"


class OutletDetailView(ObjectDetailView):
    model = Outlet
    url_base = "registry:outlet"

    def extra_context(self, obj):
        return {
            "limits": obj.factor_limits.select_related("factor").order_by("factor__code"),
            "devices": obj.devices.all(),
        }


class OutletFactorDetailView(ObjectDetailView):
    model = OutletFactor
    url_base = "registry:outletfactor"


class PermitDetailView(ObjectDetailView):
    model = Permit
    url_base = "registry:permit"

    def extra_context(self, obj):
        return {"pollutants": obj.pollutants.select_related("factor").order_by("factor__code")}


class PermitPollutantDetailView(ObjectDetailView):
    model = PermitPollutant
    url_base = "registry:permitpollutant"


class DeviceDetailView(ObjectDetailView):
    model = Device
    url_base = "registry:device"


DETAIL_VIEWS = {
    "factor": MonitoringFactorDetailView,
    "station": StationDetailView,
    "enterprise": EnterpriseDetailView,
    "contact": ContactDetailView,
    "outlet": OutletDetailView,
    "outletfactor": OutletFactorDetailView,
    "permit": PermitDetailView,
    "permitpollutant": PermitPollutantDetailView,
    "device": DeviceDetailView,
}

GENERATED_VIEWS = {key: _views_for(key) for key in REGISTRY_PAGES}
