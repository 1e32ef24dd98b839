"""Forms of the staff complaint pages: one small form per step, and the phone intake (电话登记).

They only read input; the services decide what is allowed and check the rest (state, scope, personal data).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecobrain.complaints.choices import ComplaintCategory
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.handling import NOTE_MAX, TEXT_MAX
from ecobrain.complaints.services.submission import ADDRESS_MAX, DESCRIPTION_MAX, NAME_MAX, normalise_tracking_number
from ecobrain.core.forms import scoped_districts
from ecobrain.workorders.choices import Priority
from ecobrain.workorders.forms import StyledForm, end_of_china_day


def _textarea(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class TrackingNumberField(forms.CharField):
    """Another complaint, typed as its tracking number; the view resolves it among the complaints the user sees."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, value):
        return normalise_tracking_number(super().clean(value))


class ConfirmForm(StyledForm):
    category = forms.ChoiceField(label=_("投诉类别"), choices=ComplaintCategory.choices)
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, empty_label=_("请选择"))
    duplicate_of = TrackingNumberField(
        label=_("重复于（原投诉查询码）"), required=False, help_text=_("留空表示不是重复投诉。")
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=NOTE_MAX, widget=_textarea(2))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = scoped_districts(user).defer("boundary").order_by("adcode")


class LinkForm(StyledForm):
    duplicate_of = TrackingNumberField(label=_("原投诉查询码"))
    note = forms.CharField(label=_("备注"), required=False, max_length=NOTE_MAX)


class NoteForm(StyledForm):
    note = forms.CharField(label=_("备注"), required=False, max_length=NOTE_MAX)


class DispatchForm(StyledForm):
    priority = forms.TypedChoiceField(
        label=_("紧急程度"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    deadline = forms.DateField(
        label=_("办理期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("留空则按投诉的办理时限（默认 15 个工作日）。"),
    )
    note = forms.CharField(label=_("派发说明"), required=False, max_length=NOTE_MAX, widget=_textarea(2))

    def clean_deadline(self):
        day = self.cleaned_data.get("deadline")
        return end_of_china_day(day) if day else None


class ReplyForm(StyledForm):
    # No prefix on the page: the textarea's id is id_reply (the browser test drives it).
    reply = forms.CharField(label=_("答复内容"), max_length=TEXT_MAX, widget=_textarea(5))


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("不予受理原因"), max_length=NOTE_MAX, widget=_textarea(3))


class PublishForm(StyledForm):
    public_text = forms.CharField(
        label=_("公开的投诉内容"),
        max_length=TEXT_MAX,
        widget=_textarea(4),
        help_text=_("已自动去除电话、身份证号、姓名和门牌号，请核对后公开。"),
    )
    public_reply = forms.CharField(label=_("公开的答复"), max_length=TEXT_MAX, widget=_textarea(4))


class UnpublishForm(StyledForm):
    reason = forms.CharField(label=_("取消公开原因"), required=False, max_length=NOTE_MAX)


class PhoneIntakeForm(StyledForm):
    """电话登记: the desk takes down a hotline call (12369) and files it for the caller."""

    category = forms.ChoiceField(label=_("投诉类别"), choices=ComplaintCategory.choices)
    description = forms.CharField(label=_("投诉内容"), max_length=DESCRIPTION_MAX, widget=_textarea(5))
    address = forms.CharField(label=_("地点描述"), required=False, max_length=ADDRESS_MAX)
    longitude = forms.FloatField(label=_("经度"), required=False, help_text=_("WGS84，可选"))
    latitude = forms.FloatField(label=_("纬度"), required=False, help_text=_("WGS84，可选"))
    contact_name = forms.CharField(label=_("来电人姓名"), required=False, max_length=NAME_MAX)
    phone = forms.CharField(label=_("来电号码"), required=False, max_length=30)
    anonymous = forms.BooleanField(label=_("来电人要求匿名"), required=False)

    field_order = ["category", "description", "address", "longitude", "latitude", "contact_name", "phone", "anonymous"]


SURE_SCORE = 0.6

STEP_FORMS: dict[str, tuple[type[forms.Form], str | None]] = {
    # step → (form, prefix); the reply form has none (id_reply).
    "confirm": (ConfirmForm, "confirm"),
    "link": (LinkForm, "link"),
    "unlink": (NoteForm, "unlink"),
    "dispatch": (DispatchForm, "dispatch"),
    "reply": (ReplyForm, None),
    "reject": (RejectForm, "reject"),
    "publish": (PublishForm, "publish"),
    "unpublish": (UnpublishForm, "unpublish"),
}


def step_form(step: str, complaint: Complaint, user, data=None) -> forms.Form:
    """The form of ``step`` (bound to ``data`` when given), prefilled from the complaint."""
    from ecobrain.complaints.services.publication import anonymise_text

    form_class, prefix = STEP_FORMS[step]
    initial = {}
    if step == "confirm":
        # The suggestion when the classifier is fairly sure of it, else what the complainant chose.
        sure = complaint.suggested_category and (complaint.suggestion_score or 0) >= SURE_SCORE
        initial = {
            "category": complaint.suggested_category if sure else complaint.category,
            "district": complaint.district_id,
            "duplicate_of": complaint.duplicate_of.tracking_number if complaint.duplicate_of_id else "",
        }
    elif step == "publish":
        initial = {
            "public_text": complaint.public_text or anonymise_text(complaint.description),
            "public_reply": complaint.public_reply or anonymise_text(complaint.reply),
        }
    elif step == "reply":
        initial = {"reply": complaint.reply}
    kwargs = {"user": user} if step == "confirm" else {}
    return form_class(data, prefix=prefix, initial=initial, **kwargs)
