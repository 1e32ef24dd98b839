"""信息公开管理: the staff editor of disclosure notices (list, write, preview, publish, withdraw).

The gate decides (``portal.notice``): monitoring staff, enforcement officers and admins write and publish; leaders
read. Writes go through ``portal.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.core import gate
from ecobrain.core.object_views import GatedViewMixin, ObjectDetailView, ObjectEditView, ObjectListView
from ecobrain.portal.filtersets import NoticeFilterSet
from ecobrain.portal.forms import BODY_MAX_CHARS, NoticeForm
from ecobrain.portal.models import Notice
from ecobrain.portal.services import NoticeStateError, publish_notice, save_notice, withdraw_notice
from ecobrain.portal.tables import NOTICE_TABLE

URL_BASE = "portal_staff:notice"
MAX_ID = 2**63 - 1


class NoticeListView(ObjectListView):
    model = Notice
    url_base = URL_BASE
    filterset_class = NoticeFilterSet
    table = NOTICE_TABLE
    export_stem = "notices"


class NoticeDetailView(ObjectDetailView):
    model = Notice
    url_base = URL_BASE
    template_name = "portal/staff/notice_detail.html"


class NoticeEditView(ObjectEditView):
    model = Notice
    url_base = URL_BASE
    form_class = NoticeForm
    template_name = "portal/staff/notice_edit.html"

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.make_form(obj, request.POST)
        if form.is_valid():
            try:
                saved = save_notice(form.instance, actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已保存“%(title)s”。") % {"title": saved.title})
                return HttpResponseRedirect(saved.get_absolute_url())
        return self.render_form(form, obj)


class NoticePreviewView(GatedViewMixin, View):
    """The body as the public will see it (htmx, while typing): escaped, paragraphs, links."""

    model = Notice
    action = "change"

    def post(self, request):
        body = request.POST.get("body", "")[:BODY_MAX_CHARS]
        return render(request, "portal/staff/notice_preview.html", {"body": body})


class NoticeStepView(GatedViewMixin, View):
    """POST: publish or withdraw one notice, then back to its page with what happened."""

    model = Notice
    action = "change"
    step = ""
    STEPS = {"publish": publish_notice, "withdraw": withdraw_notice}

    def post(self, request, pk):
        notice = Notice.objects.restrict(request.user, "change").filter(pk=pk).first() if pk <= MAX_ID else None
        if notice is None:
            raise Http404(_("信息不存在或不在您的权限范围内。"))
        gate.ensure_allowed(request.user, "change", notice)
        try:
            done = self.STEPS[self.step](notice, actor=request.user)
        except NoticeStateError as exc:
            messages.error(request, str(exc))
        else:
            if self.step == "publish":
                messages.success(request, _("已发布“%(title)s”，公众页面即时可见。") % {"title": done.title})
            else:
                messages.success(request, _("已撤回“%(title)s”，公众页面不再显示。") % {"title": done.title})
        return HttpResponseRedirect(notice.get_absolute_url())
