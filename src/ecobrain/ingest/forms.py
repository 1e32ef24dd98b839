"""The command form on a device's page: a kind, and the parameters that kind takes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecobrain.ingest.choices import CommandKind
from ecobrain.ingest.commands import MIN_INTERVALS, PARAMS


class DeviceCommandForm(forms.Form):
    """Only the parameters of the chosen kind are passed on; the service checks them (and names the one at fault)."""

    cn = forms.ChoiceField(label=_("命令"), choices=CommandKind.choices)
    SystemTime = forms.CharField(
        label=_("时间 SystemTime"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
        help_text=_("1012：留空则用网关下发时的时间"),
    )
    RtdInterval = forms.CharField(
        label=_("实时数据间隔 RtdInterval（秒）"), required=False, help_text=_("1062：30–3600")
    )
    MinInterval = forms.ChoiceField(
        label=_("分钟数据间隔 MinInterval（分钟）"),
        required=False,
        choices=[("", "—")] + [(str(m), str(m)) for m in MIN_INTERVALS],
        help_text=_("1064"),
    )
    BeginTime = forms.CharField(
        label=_("开始时间 BeginTime"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("2031/2051/2061，北京时间"),
    )
    EndTime = forms.CharField(
        label=_("结束时间 EndTime"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("2031/2051/2061，北京时间"),
    )
    PolId = forms.CharField(label=_("监测因子 PolId"), required=False, help_text=_("3011/3012 必填，如 a21026"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-sm" if css == "form-control" else css)

    def params(self) -> dict[str, str]:
        """The chosen kind's parameters that were filled in."""
        names = [param.name for param in PARAMS.get(self.cleaned_data["cn"], ())]
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data.get(name)}
