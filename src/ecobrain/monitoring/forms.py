"""Forms of the monitoring pages (the filters of the completeness page)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.core.models import Region, RegionLevel
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import COMPLETENESS_RESOLUTIONS, MAX_RANGE_DAYS, china_today


class DateInput(forms.DateInput):
    input_type = "date"


class CompletenessFilterForm(forms.Form):
    """The range of China days, resolution and scope of the 数据完整率 page (default: the last 7 days)."""

    first = forms.DateField(label=_("开始日期"), required=False, widget=DateInput)
    last = forms.DateField(label=_("结束日期"), required=False, widget=DateInput)
    resolution = forms.ChoiceField(
        label=_("数据类型"),
        required=False,
        choices=[(r, Resolution(r).label) for r in COMPLETENESS_RESOLUTIONS],
    )
    district = forms.ModelChoiceField(
        label=_("区县"),
        required=False,
        queryset=Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode"),
        to_field_name="adcode",
        empty_label=_("全部"),
    )
    target = forms.ChoiceField(
        label=_("对象类型"),
        required=False,
        choices=[("", _("全部")), ("station", _("监测站点")), ("outlet", _("排放口"))],
    )
    below = forms.BooleanField(label=_("仅看低于90%"), required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=64)

    def clean(self):
        data = super().clean()
        today = china_today(timezone.now())
        last: date = data.get("last") or today
        first: date = data.get("first") or last - timedelta(days=6)
        if first > last:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise forms.ValidationError(_("日期范围最多 %(days)s 天。") % {"days": MAX_RANGE_DAYS})
        data["first"], data["last"] = first, last
        data["resolution"] = data.get("resolution") or Resolution.HOUR
        data["q"] = (data.get("q") or "").strip()
        return data
