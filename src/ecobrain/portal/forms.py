"""The notice editor's form: category, title, document number, summary and a plain-text body."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecobrain.core.forms import GatedModelForm
from ecobrain.portal.models import Notice

BODY_MAX_CHARS = 50_000


class NoticeForm(GatedModelForm):
    class Meta:
        model = Notice
        fields = ["category", "title", "document_number", "summary", "body"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "body": _("纯文本：空一行分段，网址自动成为链接；不支持 HTML。"),
            "summary": _("列表中显示的一两句话，可不填。"),
            "document_number": _("例如 咸环罚〔2026〕12号，可不填。"),
        }

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("请填写标题。"))
        return title

    def clean_body(self):
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip()
        if not body:
            raise forms.ValidationError(_("请填写正文。"))
        if len(body) > BODY_MAX_CHARS:
            raise forms.ValidationError(
                _("正文过长（%(count)s 字），上限 %(limit)s 字。") % {"count": len(body), "limit": BODY_MAX_CHARS}
            )
        return body
