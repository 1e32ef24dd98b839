"""Forms of the public complaint pages: they parse what was typed; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ecobrain.complaints.choices import ComplaintCategory, Satisfaction
from ecobrain.complaints.services.rating import COMMENT_MAX
from ecobrain.complaints.services.submission import ADDRESS_MAX, DESCRIPTION_MAX, NAME_MAX

# Bootstrap icons shown on the category cards.
CATEGORY_ICONS = {
    ComplaintCategory.AIR: "bi-cloud-haze2",
    ComplaintCategory.WATER: "bi-droplet",
    ComplaintCategory.NOISE: "bi-volume-up",
    ComplaintCategory.SOLID_WASTE: "bi-trash3",
    ComplaintCategory.RADIATION: "bi-radioactive",
    ComplaintCategory.ECOLOGY: "bi-tree",
    ComplaintCategory.OTHER: "bi-three-dots",
}


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files in one input; their content is checked by ``submit_complaint`` (not by name or browser type)."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [f for f in files if f]


class ComplaintPublicForm(forms.Form):
    """A complaint as a citizen types it on the web or in the mobile app."""

    # Not required here: ``submit_complaint`` says what is missing, so one round trip names every field at fault.
    category = forms.ChoiceField(
        label=_("投诉类别"), choices=ComplaintCategory.choices, widget=forms.RadioSelect, required=False
    )
    description = forms.CharField(
        label=_("投诉内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
        help_text=_("请写清楚什么问题、什么时间发生、持续多久，不要填写他人的姓名和电话。"),
    )
    address = forms.CharField(
        label=_("地点描述"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("如：秦都区某路某小区东门外"),
                "autocomplete": "street-address",
                "maxlength": ADDRESS_MAX,
            }
        ),
    )
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(
        label=_("照片"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/*"}),
    )
    contact_name = forms.CharField(
        label=_("联系人（选填）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": NAME_MAX}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": 30}),
    )
    anonymous = forms.BooleanField(label=_("匿名投诉（不留联系电话，无法接到回访）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("最多 %(count)d 张，每张不超过 %(mb)d MB，JPEG、PNG 或 WebP。") % {
            "count": settings.COMPLAINT_MAX_PHOTOS,
            "mb": settings.COMPLAINT_PHOTO_MAX_MB,
        }
        for name in ("description", "address", "contact_name", "phone"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        self.fields["photos"].widget.attrs["class"] = "form-control"

    def category_cards(self):
        """(value, label, icon, checked) per category, for the radio cards."""
        current = self.data.get("category") if self.is_bound else self.initial.get("category")
        return [(value, label, CATEGORY_ICONS[value], value == current) for value, label in ComplaintCategory.choices]


class TrackForm(forms.Form):
    """Look up a complaint by its tracking number."""

    number = forms.CharField(
        label=_("查询码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "placeholder": "TS20260101ABCDEF",
            }
        ),
    )


class RatingForm(forms.Form):
    """The complainant's satisfaction with the reply."""

    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        choices=[(value, label) for value, label in reversed(Satisfaction.choices)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评价意见（选填）"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "maxlength": COMMENT_MAX}),
    )
