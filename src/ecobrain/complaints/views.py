"""Staff pages of complaints: the list (tabs per status, filters, exports), one complaint with its step forms,
its photos through the gate, and the phone intake (电话登记)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ecobrain.complaints import services
from ecobrain.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from ecobrain.complaints.filtersets import ComplaintFilterSet
from ecobrain.complaints.forms import STEP_FORMS, PhoneIntakeForm, step_form
from ecobrain.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto
from ecobrain.complaints.services.access import ensure_step_allowed
from ecobrain.complaints.tables import HEAVY_FIELDS, complaint_table
from ecobrain.core import gate
from ecobrain.core.object_views import GatedViewMixin, ObjectListView
from ecobrain.workorders.attachments import IMAGE_TYPES
from ecobrain.workorders.views.detail import attachment_response

DETAIL_RELATED = ("district", "duplicate_of", "workorder", "workorder__assignee_org", "replied_by")

STATUS_TABS = [
    ("", gettext_lazy("全部")),
    (ComplaintStatus.RECEIVED, ComplaintStatus.RECEIVED.label),
    (ComplaintStatus.DISPATCHED, ComplaintStatus.DISPATCHED.label),
    (ComplaintStatus.REPLIED, ComplaintStatus.REPLIED.label),
    (ComplaintStatus.CLOSED, ComplaintStatus.CLOSED.label),
    (ComplaintStatus.REJECTED, ComplaintStatus.REJECTED.label),
]


class ComplaintListView(ObjectListView):
    """投诉受理: the complaints in the user's scope, a tab per status with its count, filters, search, exports."""

    model = Complaint
    url_base = "complaints:complaint"
    filterset_class = ComplaintFilterSet
    table = complaint_table
    template_name = "complaints/complaint_list.html"
    partial_template_name = "complaints/partials/complaint_table.html"
    export_stem = "complaints"

    def get_queryset(self):
        return super().get_queryset().defer(*HEAVY_FIELDS)

    def list_context(self, page) -> dict:
        visible = Complaint.objects.restrict(self.request.user, "view")
        counts = visible.aggregate(
            all=Count("pk"), **{status: Count("pk", filter=Q(status=status)) for status in ComplaintStatus.values}
        )
        status = self.request.GET.get("status", "")
        return {
            "tabs": [(key, label, counts[key or "all"]) for key, label in STATUS_TABS],
            "status_tab": status if status in dict(STATUS_TABS) else None,
        }


def get_complaint(user, pk) -> Complaint:
    """The complaint if the user may see it; a 404 otherwise (one outside the scope does not exist for them)."""
    try:
        visible = Complaint.objects.restrict(user, "view").select_related(*DETAIL_RELATED)
        return visible.defer("district__boundary").get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("投诉不存在或不在您的权限范围内。")) from None


def render_detail(request, complaint: Complaint, *, bound: dict | None = None, revealed=None, status: int = 200):
    user = request.user
    steps = services.available_steps(user, complaint)
    forms = {step: step_form(step, complaint, user) for step in steps if step in STEP_FORMS}
    forms.update(bound or {})
    events = list(
        ComplaintEvent.objects.restrict(user, "view")
        .filter(complaint=complaint)
        .select_related("actor")
        .order_by("at", "pk")
    )
    photos = list(ComplaintPhoto.objects.restrict(user, "view").filter(complaint=complaint))
    repeats = list(
        Complaint.objects.restrict(user, "view")
        .filter(duplicate_of=complaint)
        .only("pk", "tracking_number", "status", "created")
        .order_by("created")[:50]
    )
    workorder = complaint.workorder if complaint.workorder_id else None
    context = {
        "object": complaint,
        "steps": steps,
        "forms": forms,
        "events": events,
        "photos": photos,
        "image_types": IMAGE_TYPES,
        "repeats": repeats,
        "workorder": workorder,
        "workorder_visible": workorder is not None and gate.is_allowed(user, "view", workorder),
        "suggested_label": ComplaintCategory(complaint.suggested_category).label
        if complaint.suggested_category
        else "",
        "suggestion_differs": bool(complaint.suggested_category) and complaint.suggested_category != complaint.category,
        "revealed": revealed,
        "failed": next(iter(bound.items())) if bound else None,
    }
    response = render(request, "complaints/complaint_detail.html", context, status=status)
    if revealed is not None:
        response["Cache-Control"] = "no-store"  # the number in clear stays out of every cache
    return response


class ComplaintDetailView(GatedViewMixin, View):
    model = Complaint
    url_base = "complaints:complaint"

    def get(self, request, pk):
        return render_detail(request, get_complaint(request.user, pk))


def _other_complaint(user, number: str) -> Complaint | None:
    if not number:
        return None
    found = Complaint.objects.restrict(user, "view").filter(tracking_number=number).first()
    if found is None:
        raise ValidationError(
            {"duplicate_of": _("没有查询码为 %(number)s 的投诉（或不在您的权限范围内）。") % {"number": number}}
        )
    return found


def _confirm(complaint, user, data):
    return services.confirm_triage(
        complaint,
        actor=user,
        category=data["category"],
        district=data["district"],
        duplicate_of=_other_complaint(user, data["duplicate_of"]),
        note=data["note"],
    )


def _link(complaint, user, data):
    original = _other_complaint(user, data["duplicate_of"])
    return services.link_duplicate(complaint, actor=user, original=original, note=data["note"])


STEP_CALLS = {
    "confirm": (_confirm, gettext_lazy("已确认分拣。")),
    "link": (_link, gettext_lazy("已关联重复投诉。")),
    "unlink": (lambda c, u, d: services.unlink_duplicate(c, actor=u, note=d["note"]), gettext_lazy("已取消重复关联。")),
    "dispatch": (
        lambda c, u, d: services.dispatch_complaint(
            c, actor=u, deadline=d["deadline"], priority=d["priority"], note=d["note"]
        ),
        gettext_lazy("已派发办理。"),
    ),
    "reply": (lambda c, u, d: services.reply_complaint(c, actor=u, text=d["reply"]), gettext_lazy("已提交答复。")),
    "reject": (lambda c, u, d: services.reject_complaint(c, actor=u, reason=d["reason"]), gettext_lazy("已不予受理。")),
    "publish": (
        lambda c, u, d: services.publish_complaint(
            c, actor=u, public_text=d["public_text"], public_reply=d["public_reply"]
        ),
        gettext_lazy("已公开。"),
    ),
    "unpublish": (
        lambda c, u, d: services.unpublish_complaint(c, actor=u, reason=d["reason"]),
        gettext_lazy("已取消公开。"),
    ),
}


def add_service_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, errors)


class ComplaintStepView(LoginRequiredMixin, View):
    """One step's form: POST calls its service; errors re-render the page with the form and its messages."""

    def get(self, request, pk, step):
        return HttpResponseRedirect(get_complaint(request.user, pk).get_absolute_url())

    def post(self, request, pk, step):
        if step not in STEP_CALLS and step != "reveal":
            raise Http404(_("未知的操作。"))
        complaint = get_complaint(request.user, pk)
        ensure_step_allowed(request.user, complaint, step)  # 403 before any input is read
        if step == "reveal":
            contact = services.reveal_contact(complaint, actor=request.user)
            return render_detail(request, get_complaint(request.user, pk), revealed=contact)
        form = step_form(step, complaint, request.user, data=request.POST)
        if form.is_valid():
            call, done = STEP_CALLS[step]
            try:
                call(complaint, request.user, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(complaint.get_absolute_url() + "#timeline")
        return render_detail(request, get_complaint(request.user, pk), bound={step: form}, status=400)


class PhotoView(LoginRequiredMixin, View):
    """A complaint photo through the gate (``?thumb=1`` for the small JPEG); never a public media URL."""

    def get(self, request, pk):
        try:
            photo = ComplaintPhoto.objects.restrict(request.user, "view").get(pk=pk)
        except (ComplaintPhoto.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("照片不存在或不在您的权限范围内。")) from None
        return attachment_response(photo, thumb=bool(request.GET.get("thumb")))


class PhoneIntakeView(GatedViewMixin, View):
    """电话登记: the desk files a hotline call for the caller (channel PHONE) and reads them the tracking number."""

    model = Complaint
    action = "add"
    url_base = "complaints:complaint"

    def render_form(self, form, status: int = 200):
        return render(self.request, "complaints/phone_intake.html", {"form": form}, status=status)

    def get(self, request):
        return self.render_form(PhoneIntakeForm())

    def post(self, request):
        form = PhoneIntakeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.submit_complaint(
                    channel=ComplaintChannel.PHONE,
                    category=data["category"],
                    description=data["description"],
                    address=data["address"],
                    longitude=data["longitude"],
                    latitude=data["latitude"],
                    contact_name=data["contact_name"],
                    phone=data["phone"],
                    anonymous=data["anonymous"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已登记，请告知来电人查询码：%(number)s") % {"number": complaint.tracking_number},
                )
                return HttpResponseRedirect(reverse("complaints:complaint_detail", args=[complaint.pk]))
        return self.render_form(form, status=400)
