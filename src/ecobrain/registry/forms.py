"""Registry forms: the same ModelForms serve the pages and the CSV import (natural keys resolved first)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecobrain.core.forms import GatedModelForm
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

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MonitoringFactorForm(GatedModelForm):
    class Meta:
        model = MonitoringFactor
        fields = [
            "code",
            "old_code",
            "name",
            "name_en",
            "medium",
            "unit",
            "ambient_unit",
            "emission_unit",
            "data_type",
            "source",
        ]


class StationForm(GatedModelForm):
    class Meta:
        model = Station
        fields = [
            "code",
            "name",
            "kind",
            "status",
            "longitude",
            "latitude",
            "address",
            "factors",
            "is_assessment",
            "waterbody",
            "water_target_class",
            "notes",
        ]
        widgets = {"factors": forms.SelectMultiple(attrs={"size": 10})}
        help_texts = {
            "waterbody": _(
                "仅水质自动站、地表水断面填写：总磷（湖库另有总氮）按 GB 3838-2002 表1 的河流或湖库限值评价。"
            ),
            "water_target_class": _("仅水质自动站、地表水断面填写：Ⅰ–Ⅴ类，用于判断月度水质是否达标。"),
        }


class EnterpriseForm(GatedModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "industry",
            "key_unit_category",
            "status",
            "legal_representative",
            "address",
            "longitude",
            "latitude",
            "district",
        ]
        help_texts = {"district": _("填写经纬度时由坐标自动确定；无坐标时手工选择。")}

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class ContactForm(GatedModelForm):
    class Meta:
        model = Contact
        fields = ["enterprise", "name", "title", "phone", "email"]


class OutletForm(GatedModelForm):
    class Meta:
        model = Outlet
        fields = ["enterprise", "code", "name", "kind", "longitude", "latitude", "height_m", "is_online_monitored"]


class OutletFactorForm(GatedModelForm):
    class Meta:
        model = OutletFactor
        fields = [
            "outlet",
            "factor",
            "limit_min",
            "limit_value",
            "limit_unit",
            "limit_basis",
            "uses_converted_value",
            "standard",
        ]


class PermitForm(GatedModelForm):
    class Meta:
        model = Permit
        fields = ["enterprise", "number", "category", "issued_by", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class PermitPollutantForm(GatedModelForm):
    class Meta:
        model = PermitPollutant
        fields = ["permit", "factor", "annual_cap_t"]


class DeviceForm(GatedModelForm):
    """The access password is write-only: required for a new device, kept when left blank on edit."""

    password = forms.CharField(
        label=_("访问密码 PW"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("HJ 212 访问密码。不回显；修改时留空表示不变。"),
    )

    class Meta:
        model = Device
        fields = [
            "mn",
            "password",
            "protocol_version",
            "station",
            "outlet",
            "status",
            "manufacturer",
            "model_name",
            "installed_on",
        ]
        widgets = {"installed_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = self.fields["station"].queryset.order_by("code")
        self.fields["outlet"].queryset = self.fields["outlet"].queryset.select_related("enterprise")

    def _post_clean(self):
        password = self.cleaned_data.get("password") if hasattr(self, "cleaned_data") else None
        if password:
            try:
                self.instance.set_access_password(password)
            except forms.ValidationError as exc:
                self.add_error("password", exc.message_dict.get("password", exc.messages))
        elif not self.instance.password_encrypted and "password" not in self.errors:
            self.add_error("password", _("请设置访问密码。"))
        super()._post_clean()
