"""The rule form (scope, parameters per kind, persistence, recipients) and the alarm action forms.

A rule's parameters are form fields named ``p_<name>``, built from the kind's parameter class
(``alarms.params.PARAMS_BY_KIND``); their values go through :func:`alarms.params.parse_params` one by one, so a
refused value shows its message on its own field, and then together into ``AlarmRule.params``.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecobrain.alarms.choices import RuleKind
from ecobrain.alarms.models import AlarmRule
from ecobrain.alarms.params import AMBIENT_METRICS, PARAMS_BY_KIND, SUSPICIOUS_CHECKS, Target, params_json, parse_params
from ecobrain.core.forms import GatedModelForm
from ecobrain.core.models import Organisation, OrganisationKind
from ecobrain.monitoring.choices import Resolution
from ecobrain.workorders.choices import Priority

# The scope fields that make sense for each kind (the district applies to every kind).
SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    RuleKind.EMISSION_EXCEEDANCE: ("enterprise", "outlet", "factor", "resolution"),
    RuleKind.AMBIENT_THRESHOLD: ("station", "resolution"),
    RuleKind.AMBIENT_RISE: ("station",),
    RuleKind.DEVICE_OFFLINE: ("enterprise", "outlet", "station"),
    RuleKind.SUSPICIOUS_DATA: ("enterprise", "outlet", "station", "factor", "resolution"),
    RuleKind.WATER_CLASS: ("station",),
    RuleKind.LOW_COMPLETENESS: ("enterprise", "outlet", "station"),
}
ALL_SCOPE_FIELDS = ("enterprise", "outlet", "station", "factor", "resolution")
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    RuleKind.EMISSION_EXCEEDANCE: (Resolution.HOUR, Resolution.DAY),
    RuleKind.AMBIENT_THRESHOLD: (Resolution.HOUR, Resolution.DAY),
    RuleKind.SUSPICIOUS_DATA: tuple(Resolution.values),
}
RESOLUTION_HELP = {
    RuleKind.EMISSION_EXCEEDANCE: _("默认：按限值的时段类型（小时限值用小时数据，日均限值用日数据）。"),
    RuleKind.AMBIENT_THRESHOLD: _("默认为小时数据。"),
    RuleKind.SUSPICIOUS_DATA: _("默认检查全部数据类型。"),
}

PARAM_FIELD_LABELS = {
    "hysteresis": _("恢复回差（比例）"),
    "target": _("评价对象"),
    "metric": _("指标"),
    "threshold": _("阈值"),
    "rise": _("上升幅度"),
    "window_hours": _("时间窗（小时）"),
    "missed_intervals": _("缺报周期数"),
    "checks": _("检查项"),
    "zero_drop_from": _("骤降为零的前值下限"),
    "min_rate": _("有效传输率下限"),
}
PARAM_HELP = {
    "hysteresis": _("数值回落到限值×（1−回差）以下才算恢复，如 0.1 即 10%，0–0.9。"),
    "threshold": _("AQI，或浓度（μg/m³，CO 为 mg/m³），超过即报警。"),
    "rise": _("时间窗内指标上升达到此值即报警（AQI 或浓度）。"),
    "window_hours": _("1–72 小时。"),
    "missed_intervals": _("连续缺报多少个预期上报周期判为离线，1–1000。"),
    "zero_drop_from": _("前一个值不低于此值、紧接着为 0 时判为骤降为零。"),
    "min_rate": _("0.01–1，如 0.9 即 90%（有效传输率 = 传输率 × 有效率，平台通常以 90% 为达标线）。"),
}
TARGET_LABELS = {Target.STATION: _("站点"), Target.DISTRICT: _("区县"), Target.CITY: _("全市")}
METRIC_LABELS = {
    "aqi": "AQI",
    "pm2_5": "PM₂.₅",
    "pm10": "PM₁₀",
    "o3": _("O₃（1小时）"),
    "o3_8h": _("O₃（8小时滑动）"),
    "no2": "NO₂",
    "so2": "SO₂",
    "co": "CO",
}
CHECK_LABELS = {
    "flat_line": _("恒值"),
    "negative": _("负值"),
    "stuck": _("数据卡滞"),
    "maintenance_values": _("校准/维护期间上传的数据"),
    "zero_drop": _("骤降为零"),
}


def param_names(kind: str) -> list[str]:
    cls = PARAMS_BY_KIND.get(kind)
    return [f.name for f in dataclass_fields(cls)] if cls else []


def _param_field(name: str, initial) -> forms.Field:
    label = PARAM_FIELD_LABELS.get(name, name)
    help_text = PARAM_HELP.get(name, "")
    if name == "target":
        return forms.ChoiceField(
            label=label, choices=[(t, TARGET_LABELS[t]) for t in Target.CHOICES], initial=initial, help_text=help_text
        )
    if name == "metric":
        return forms.ChoiceField(
            label=label, choices=[(m, METRIC_LABELS[m]) for m in AMBIENT_METRICS], initial=initial, help_text=help_text
        )
    if name == "checks":
        return forms.MultipleChoiceField(
            label=label,
            choices=[(c, CHECK_LABELS[c]) for c in SUSPICIOUS_CHECKS],
            initial=list(initial or ()),
            widget=forms.CheckboxSelectMultiple,
            help_text=help_text,
            error_messages={"required": _("请至少选择一个检查项。")},
        )
    # Numbers are taken as text and checked by parse_params, whose message names the parameter and its range.
    return forms.CharField(
        label=label,
        initial=initial,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": _("请填写%(label)s。") % {"label": label}},
    )


class UserChoiceMixin:
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name}（{obj.username}）" if name else obj.username


class RecipientField(UserChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class AlarmRuleForm(GatedModelForm):
    """Create or edit a rule: the kind decides the scope fields and the parameter fields shown."""

    class Meta:
        model = AlarmRule
        fields = [
            "name",
            "kind",
            "enabled",
            "severity",
            "district",
            "enterprise",
            "outlet",
            "station",
            "factor",
            "resolution",
            "consecutive",
            "clear_after",
            "recipients",
            "notify_district",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = self._chosen_kind()
        self.fields["kind"].initial = self.kind
        self.fields["kind"].widget.attrs["data-kind-switch"] = "1"
        self.fields["district"].empty_label = _("全市（不限区县）")
        for name in ("enterprise", "outlet", "station", "factor"):
            self.fields[name].empty_label = _("不限")
        self.fields["factor"].queryset = self.fields["factor"].queryset.order_by("code")
        self.fields["station"].queryset = self.fields["station"].queryset.order_by("code")
        self.fields["outlet"].queryset = (
            self.fields["outlet"].queryset.select_related("enterprise").order_by("enterprise__name", "code")
        )
        self.fields["outlet"].label_from_instance = lambda o: f"{o.enterprise.name} {o.code} {o.name}"
        self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.order_by("name")
        recipients = RecipientField(
            queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
            required=False,
            label=self.fields["recipients"].label,
            help_text=_("报警产生和升级时通知这些人员（站内消息，按个人设置发邮件/短信）。"),
            widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
        )
        self.fields["recipients"] = recipients
        for name in ("consecutive", "clear_after"):
            self.fields[name].min_value = 1
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1
        relevant = SCOPE_FIELDS.get(self.kind, ())
        for name in ALL_SCOPE_FIELDS:
            if name not in relevant:
                del self.fields[name]
        if "resolution" in self.fields:
            allowed = RESOLUTIONS.get(self.kind, ())
            self.fields["resolution"].choices = [("", _("默认"))] + [
                (value, label) for value, label in Resolution.choices if value in allowed
            ]
            self.fields["resolution"].help_text = RESOLUTION_HELP.get(self.kind, "")
        self.param_field_names = []
        current = self._current_params()
        for name in param_names(self.kind):
            field = _param_field(name, current.get(name))
            field.widget.attrs.setdefault(
                "class",
                "form-check-input"
                if name == "checks"
                else ("form-select" if name in ("target", "metric") else "form-control"),
            )
            self.fields[f"p_{name}"] = field
            self.param_field_names.append(f"p_{name}")

    def _chosen_kind(self) -> str:
        candidates = [self.data.get(self.add_prefix("kind"))] if self.is_bound else []
        candidates += [self.initial.get("kind"), self.instance.kind if self.instance.pk else None]
        for kind in candidates:
            if kind in PARAMS_BY_KIND:
                return kind
        return RuleKind.EMISSION_EXCEEDANCE

    @property
    def kind_label(self) -> str:
        return RuleKind(self.kind).label

    def _current_params(self) -> dict:
        """The stored parameters when the kind is unchanged, else the kind's defaults."""
        defaults = params_json(PARAMS_BY_KIND[self.kind]())
        if self.instance.pk and self.instance.kind == self.kind:
            try:
                return {**defaults, **params_json(parse_params(self.kind, self.instance.params))}
            except ValidationError:
                return {**defaults, **(self.instance.params or {})}
        return defaults

    # Fields by section, for the template: general, kind-dependent (scope + parameters), persistence and people.
    def general_fields(self):
        return [self[name] for name in ("name", "kind", "enabled", "severity", "district")]

    def kind_fields(self):
        return [self[name] for name in (*ALL_SCOPE_FIELDS, *self.param_field_names) if name in self.fields]

    def other_fields(self):
        return [self[name] for name in ("consecutive", "clear_after", "recipients", "notify_district", "description")]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.kind
        raw = {}
        for field_name in self.param_field_names:
            name = field_name[2:]
            if field_name not in cleaned:
                continue  # the field's own error is shown already
            value = cleaned[field_name]
            raw[name] = value.strip() if isinstance(value, str) else list(value)
            try:
                parse_params(kind, {name: raw[name]})
            except ValidationError as exc:
                self.add_error(field_name, _messages(exc))
                raw.pop(name)
        if len(raw) == len(self.param_field_names):
            try:
                cleaned["params"] = params_json(parse_params(kind, raw))
            except ValidationError as exc:
                self.add_error(None, _messages(exc))
        for field, message in rule_scope_errors(kind, cleaned, cleaned.get("params") or {}):
            self.add_error(field if field in self.fields else None, message)
        return cleaned

    def save(self, commit=True):
        rule = super().save(commit=False)
        rule.params = self.cleaned_data["params"]
        for name in ALL_SCOPE_FIELDS:
            if name not in self.fields:
                setattr(rule, name, "" if name == "resolution" else None)
        if rule.pk is None and self.user is not None and self.user.is_authenticated:
            rule.created_by = self.user
        if commit:
            rule.save()
            self.save_m2m()
        return rule


def rule_scope_errors(kind: str, scope: dict, params: dict) -> list[tuple[str | None, str]]:
    """What is inconsistent in a rule's scope, as (field, message): objects outside the chosen district or
    enterprise, a station of the wrong kind, scope fields the kind does not use, a scope the target excludes."""
    errors: list[tuple[str | None, str]] = []
    relevant = SCOPE_FIELDS.get(kind, ())
    for name in ALL_SCOPE_FIELDS:
        if name not in relevant and scope.get(name):
            errors.append((name, _("%(kind)s规则不按此项限定，请留空。") % {"kind": RuleKind(kind).label}))
    district = scope.get("district")
    enterprise = scope.get("enterprise") if "enterprise" in relevant else None
    outlet = scope.get("outlet") if "outlet" in relevant else None
    station = scope.get("station") if "station" in relevant else None
    resolution = scope.get("resolution") if "resolution" in relevant else ""
    if resolution and resolution not in RESOLUTIONS.get(kind, ()):
        errors.append(("resolution", _("%(kind)s规则不支持该数据类型。") % {"kind": RuleKind(kind).label}))
    if outlet and enterprise and outlet.enterprise_id != enterprise.pk:
        errors.append(("outlet", _("排放口 %(outlet)s 不属于所选企业。") % {"outlet": outlet.code}))
    if district:
        for name, obj in (("enterprise", enterprise), ("station", station)):
            if obj is not None and obj.district_id != district.pk:
                errors.append(
                    (name, _("%(object)s 不在所选区县%(district)s。") % {"object": obj, "district": district})
                )
        if outlet is not None and outlet.enterprise.district_id != district.pk:
            errors.append(("outlet", _("排放口所属企业不在所选区县%(district)s。") % {"district": district}))
    if station is not None:
        if kind == RuleKind.WATER_CLASS and not station.is_water_section():
            errors.append(("station", _("水质目标规则只能指定地表水断面或水质自动站。")))
        if kind in (RuleKind.AMBIENT_THRESHOLD, RuleKind.AMBIENT_RISE) and not station.kind.startswith("air"):
            errors.append(("station", _("空气质量规则只能指定空气监测站点。")))
    target = params.get("target")
    if target == Target.CITY and (district or station):
        errors.append((None, _("评价对象为全市时，不能限定区县或站点。")))
    elif target == Target.DISTRICT and station:
        errors.append(("station", _("评价对象为区县时，不能指定站点。")))
    return errors


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [message for messages in exc.message_dict.values() for message in messages]
    return exc.messages


# --- alarm actions ------------------------------------------------------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class StyledForm(forms.Form):
    """A plain form whose widgets carry Bootstrap's small classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)


class NoteForm(StyledForm):
    note = forms.CharField(
        label=pgettext_lazy("step note", "说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(StyledForm):
    text = forms.CharField(
        label=_("备注"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写备注内容。")},
    )


class MarkFalseForm(StyledForm):
    reason = forms.CharField(
        label=_("误报原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：设备校准期间数据、传感器故障、限值设置错误。"),
        error_messages={"required": _("请填写误报原因。")},
    )


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DispatchForm(StyledForm):
    """派单: the work order's title, content, urgency, deadline and (optionally) another branch."""

    title = forms.CharField(
        label=_("任务标题"), required=False, max_length=200, help_text=_("留空：报警处置：报警标题")
    )
    description = forms.CharField(
        label=_("任务内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("留空：报警内容、时间和级别"),
    )
    priority = forms.TypedChoiceField(label=_("紧急程度"), choices=Priority.choices, coerce=int)
    deadline = forms.DateTimeField(
        label=_("办理期限"),
        required=False,
        widget=DateTimeLocalInput,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("留空：按报警类任务的办理时限计算"),
    )
    assignee_org = BranchChoiceField(
        label=_("承办单位"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.BRANCH).order_by("code"),
        required=False,
        empty_label=_("报警所在区县分局"),
    )

    def __init__(self, *args, alarm=None, **kwargs):
        super().__init__(*args, **kwargs)
        if alarm is not None:
            from ecobrain.alarms.services.lifecycle import PRIORITY_FOR_SEVERITY

            self.fields["priority"].initial = PRIORITY_FOR_SEVERITY.get(alarm.severity, Priority.NORMAL)
            if alarm.district_id is None:
                self.fields["assignee_org"].required = True
                self.fields["assignee_org"].empty_label = _("请选择")
                self.fields["assignee_org"].help_text = _("全市报警没有所属区县，须指定承办的区县分局。")

    def clean_deadline(self) -> datetime | None:
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.now():
            raise ValidationError(_("办理期限须晚于当前时间。"))
        return deadline


ACTION_FORMS = {
    "acknowledge": NoteForm,
    "comment": CommentForm,
    "dispatch": DispatchForm,
    "resolve": NoteForm,
    "close": NoteForm,
    "mark_false": MarkFalseForm,
}
