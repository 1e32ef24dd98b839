"""The inbox, marking read, the preferences page and the live event stream."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.notifications import services
from ecobrain.notifications.filtersets import NotificationFilterSet
from ecobrain.notifications.forms import NotificationPreferenceForm
from ecobrain.notifications.models import Notification, NotificationPreference
from ecobrain.notifications.sms import mask_phone
from ecobrain.notifications.stream import event_stream, parse_last_id

PAGE_SIZE = 25
TABS = ("unread", "all")


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _own_notification(request, pk: int) -> Notification:
    notification = Notification.objects.restrict(request.user, "change").filter(pk=pk).first()
    if notification is None:  # someone else's reads as missing
        raise Http404(_("通知不存在。"))
    return notification


class InboxView(LoginRequiredMixin, View):
    """The user's notifications: the unread tab (default) or all, filtered, 25 a page, newest first."""

    def get(self, request):
        tab = request.GET.get("tab", "unread")
        if tab not in TABS:
            tab = "unread"
        base = Notification.objects.restrict(request.user, "view")
        if tab == "unread":
            base = base.unread()
        filterset = NotificationFilterSet(request.GET, queryset=base, request=request)
        filterset.filters.pop("unread")  # the tabs choose unread or all on this page
        valid = filterset.is_valid()
        queryset = filterset.qs if valid else base.none()
        page = Paginator(queryset.order_by("-created", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        filters = request.GET.copy()
        for key in ("page", "tab"):
            filters.pop(key, None)
        return render(
            request,
            "notifications/inbox.html",
            {
                "tab": tab,
                "page": page,
                "filterset": filterset,
                "filter_errors": filterset.errors if not valid else None,
                "querystring": params.urlencode(),
                "filter_querystring": filters.urlencode(),
                "filtered": any(filters.get(key) for key in ("kind", "severity", "q", "unread")),
            },
        )


class MarkReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        _own_notification(request, pk)
        services.mark_notifications_read(actor=request.user, ids=[pk])
        return redirect(_safe_next(request, reverse("notifications:inbox")))


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.mark_notifications_read(actor=request.user)
        if count:
            messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": count})
        else:
            messages.info(request, _("没有未读通知。"))
        return redirect(_safe_next(request, reverse("notifications:inbox")))


class OpenView(LoginRequiredMixin, View):
    """Follow a notification's link, marking it read on the way (opening it is reading it)."""

    def get(self, request, pk):
        notification = _own_notification(request, pk)
        services.mark_notifications_read(actor=request.user, ids=[pk])
        link = notification.link
        if link and url_has_allowed_host_and_scheme(link, {request.get_host()}, require_https=request.is_secure()):
            return redirect(link)
        return redirect(reverse("notifications:inbox") + "?tab=all")


class PreferencesView(LoginRequiredMixin, View):
    """What the user receives by email and SMS (the inbox always gets everything)."""

    def get(self, request, form=None):
        if form is None:
            preference = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference()
            form = NotificationPreferenceForm(
                initial={
                    "email_enabled": preference.email_enabled,
                    "email_min_severity": preference.email_min_severity,
                    "sms_enabled": preference.sms_enabled,
                    "sms_min_severity": preference.sms_min_severity,
                    "kinds_muted": preference.kinds_muted or [],
                }
            )
        return render(
            request,
            "notifications/preferences.html",
            {
                "form": form,
                "email_available": bool(settings.SMTP and settings.EMAIL_FROM),
                "sms_available": _sms_delivers(),
                "masked_phone": mask_phone(request.user.phone),
            },
        )

    def post(self, request):
        form = NotificationPreferenceForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            services.save_notification_preferences(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.get(request, form=form)
        messages.success(request, _("通知设置已保存，对此后产生的通知生效。"))
        return redirect("notifications:preferences")


def _sms_delivers() -> bool:
    try:
        return bool(import_string(settings.SMS_BACKEND).delivers)
    except (ImportError, AttributeError):
        return False


class StreamView(View):
    """``text/event-stream`` of the unread count and new notifications (stream.py). Anonymous: 204, which tells the
    browser's EventSource to stop reconnecting (the session ended)."""

    def get(self, request):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return HttpResponse(status=204)
        last_id = parse_last_id(request.headers.get("Last-Event-ID") or request.GET.get("last"))
        events = event_stream(
            user.pk,
            last_id,
            language=get_language(),
            client_gone=request.META.get("waitress.client_disconnected"),  # set by `ecobrain serve`
        )
        response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
        response["Cache-Control"] = "no-cache, no-store"
        response["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
        return response
