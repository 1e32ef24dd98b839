"""Forms of the work-order pages: the create form (objects and districts limited to the user's scope) and one
small form per step. They only read input; the services decide what is allowed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecobrain.core.forms import scoped_districts
from ecobrain.core.geo import locate_district_id
from ecobrain.core.models import Organisation, OrganisationKind, Region
from ecobrain.registry.models import Enterprise, Station
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.attachments import ALLOWED_TEXT, MAX_FILES_PER_STEP
from ecobrain.workorders.choices import Priority, WorkOrderSource
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.services.access import assignable_users

CREATABLE_SOURCES = [
    (WorkOrderSource.MANUAL, WorkOrderSource.MANUAL.label),
    (WorkOrderSource.INSTRUCTION, WorkOrderSource.INSTRUCTION.label),
]
ACCEPT = ".jpg,.jpeg,.png,.webp,.pdf,.docx,.xlsx,.pptx,image/jpeg,image/png,image/webp,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check their type and size by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            format_lazy(_("可选，最多 {count} 个文件：{allowed}。"), count=MAX_FILES_PER_STEP, allowed=ALLOWED_TEXT),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def end_of_china_day(day) -> datetime:
    """A deadline chosen as a date ends at that day's 24:00, China time (as the policy deadlines do)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=CHINA_TZ)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple, forms.RadioSelect)):
                css = "form-select" if not isinstance(widget, forms.RadioSelect) else ""
            else:
                css = "form-control"
            if css:
                widget.attrs.setdefault("class", css)


class WorkOrderCreateForm(StyledForm):
    """手工派单 or 领导批示: the object pickers and districts offer only what the user may see."""

    title = forms.CharField(label=_("标题"), max_length=200)
    source = forms.ChoiceField(label=_("来源"), choices=CREATABLE_SOURCES, initial=WorkOrderSource.MANUAL)
    priority = forms.TypedChoiceField(
        label=_("紧急程度"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    description = forms.CharField(label=_("任务内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    district = forms.ModelChoiceField(
        label=_("区县"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("不选时按所选企业、站点或地图上的位置确定。"),
    )
    assignee_org = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("默认为所在区县的分局。"),
    )
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=Enterprise.objects.none(), required=False)
    station = forms.ModelChoiceField(label=_("监测站点"), queryset=Station.objects.none(), required=False)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    longitude = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    deadline = forms.DateField(
        label=_("办理期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("不填时按来源的办理时限（工作日或自然日）自动计算；填写时为该日 24 时前。"),
    )
    attachments = MultipleFileField(label=_("附件"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["district"].queryset = scoped_districts(user).defer("boundary")
        # Choosing a district reloads the enterprise and station pickers with that district's objects (htmx).
        self.fields["district"].widget.attrs.update(
            {"hx-get": reverse("workorders:object_options"), "hx-target": "#object-pickers", "hx-trigger": "change"}
        )
        self.fields["assignee_org"].queryset = Organisation.objects.exclude(kind=OrganisationKind.EXTERNAL).order_by(
            "kind", "code"
        )
        enterprises = Enterprise.objects.restrict(user, "view").order_by("name")
        stations = Station.objects.restrict(user, "view").order_by("code")
        district_id = self.data.get("district") or self.initial.get("district")
        if district_id and str(district_id).isdigit():
            enterprises = enterprises.filter(district_id=district_id)
            stations = stations.filter(district_id=district_id)
        self.fields["enterprise"].queryset = enterprises
        self.fields["station"].queryset = stations

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        district = data.get("district")
        if district is None:
            for obj in (data.get("enterprise"), data.get("station")):
                if obj is not None and obj.district_id:
                    district = obj.district
                    break
        if district is None and data.get("longitude") is not None and data.get("latitude") is not None:
            found = locate_district_id(data["longitude"], data["latitude"])
            district = scoped_districts(self.user).filter(pk=found).first() if found else None
        if district is None:
            raise ValidationError({"district": _("请选择区县（或选择企业、站点，或在地图上点选位置）。")})
        data["district"] = district
        if data.get("deadline") is not None:
            deadline = end_of_china_day(data["deadline"])
            if deadline <= timezone.now():
                raise ValidationError({"deadline": _("办理期限须晚于当前时间。")})
            data["deadline"] = deadline
        return data


class MessageForm(StyledForm):
    message = forms.CharField(
        label=pgettext_lazy("step note", "说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(StyledForm):
    assignee = forms.ModelChoiceField(label=_("承办人"), queryset=get_user_model().objects.none())
    message = forms.CharField(label=pgettext_lazy("step note", "说明"), required=False)

    def __init__(self, *args, workorder: WorkOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(workorder)
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.username


class SubmitForm(StyledForm):
    result = forms.CharField(label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("佐证材料"))


class ReturnForm(StyledForm):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(StyledForm):
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(StyledForm):
    assignee_org = forms.ModelChoiceField(label=_("转至承办单位"), queryset=Organisation.objects.none())
    reason = forms.CharField(label=_("转办理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, workorder: WorkOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_org"].queryset = (
            Organisation.objects.exclude(kind=OrganisationKind.EXTERNAL)
            .exclude(pk=workorder.assignee_org_id)
            .order_by("kind", "code")
        )


class ExtensionRequestForm(StyledForm):
    requested_date = forms.DateField(
        label=_("申请延至"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("新的办理期限为该日 24 时。"),
    )
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_requested_date(self):
        return end_of_china_day(self.cleaned_data["requested_date"])


class ExtensionDecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("approve", _("同意延期")), ("reject", _("驳回"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(StyledForm):
    message = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachments = MultipleFileField(label=_("附件"))
