"""Generic object views every domain app reuses: list (search, filters, sort, pages, exports), detail,
create/edit, delete and CSV import. Each read goes through the gate; each write checks it on the object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from ecobrain.core import gate
from ecobrain.core.exports import EXPORT_LIMIT, csv_response, xlsx_response
from ecobrain.core.tables import Table

PAGE_SIZES = (25, 50, 100, 200)


class GatedViewMixin(LoginRequiredMixin):
    """Page views of one model: the gate decides what the user may see and do."""

    model: Any = None
    action = "view"
    read_only = False  # logs (change log, security events) have list pages only, whatever the grants say
    url_base = ""  # e.g. "registry:enterprise" → registry:enterprise_list, _detail, _add, _edit, _delete, _import

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_grant(self.model, self.action):
            raise PermissionDenied(
                _("您的角色无权%(action)s%(model)s。")
                % {"action": gate.ACTION_NAMES.get(self.action, self.action), "model": self.verbose_name()}
            )
        return super().dispatch(request, *args, **kwargs)

    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    def base_queryset(self, action: str | None = None):
        return self.model.objects.restrict(self.request.user, action or self.action)

    def url(self, suffix: str, *args) -> str:
        return reverse(f"{self.url_base}_{suffix}", args=args)

    def common_context(self) -> dict:
        user = self.request.user
        writable = not self.read_only
        return {
            "model_name": self.verbose_name(),
            "url_base": self.url_base,
            "can_add": writable and user.has_grant(self.model, "add"),
            "can_change": writable and user.has_grant(self.model, "change"),
            "can_delete": writable and user.has_grant(self.model, "delete"),
            "can_import": writable
            and user.has_grant(self.model, "import")
            and bool(getattr(self, "importer_class", None)),
            "can_export": user.has_grant(self.model, "export"),
            "may_add": _AddGrants(user),
        }


class _AddGrants:
    """``may_add.outlet`` in a template: whether the user may add objects of that registry model."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, model_name: str) -> bool:
        from django.apps import apps

        for app in ("registry", "core"):
            try:
                return self.user.has_grant(apps.get_model(app, model_name), "add")
            except LookupError:
                continue
        raise KeyError(model_name)


class ObjectListView(GatedViewMixin, View):
    filterset_class: Any = None
    table: Table = None
    template_name = "core/object_list.html"
    partial_template_name = "core/partials/object_table.html"  # what an htmx request (filter, page) swaps in
    importer_class: Any = None  # shows the import button when set
    export_stem = ""

    def get_queryset(self):
        queryset = self.base_queryset()
        if self.table.select_related:
            queryset = queryset.select_related(*self.table.select_related)
        if self.table.prefetch_related:
            queryset = queryset.prefetch_related(*self.table.prefetch_related)
        return queryset

    def filter_data(self):
        """The filter form's data: the query string (a subclass may add defaults)."""
        return self.request.GET or None

    def get(self, request):
        filterset = self.filterset_class(self.filter_data(), queryset=self.get_queryset(), request=request)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        sort, ordering = self.table.ordering_for(request.GET.get("sort"))
        queryset = queryset.order_by(ordering, "pk")

        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(queryset, export)

        try:
            per_page = int(request.GET.get("per_page", 50))
        except ValueError:
            per_page = 50
        per_page = per_page if per_page in PAGE_SIZES else 50
        page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
        columns = self.table.html_columns()
        query = request.GET.copy()
        for key in ("page", "export"):
            query.pop(key, None)
        query_without_sort = query.copy()
        query_without_sort.pop("sort", None)
        context = {
            **self.common_context(),
            "filterset": filterset,
            "filter_errors": filterset.errors if filterset.is_bound and not filterset.is_valid() else None,
            "page": page,
            "columns": columns,
            "rows": [(obj, [c.value(obj) for c in columns]) for obj in page.object_list],
            "sort": sort,
            "querystring": query.urlencode(),
            "querystring_nosort": query_without_sort.urlencode(),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            **self.list_context(page),
        }
        template = self.partial_template_name if request.headers.get("HX-Request") else self.template_name
        return render(request, template, context)

    def list_context(self, page) -> dict:
        """More context for a subclass's template (the page of rows is given)."""
        return {}

    def export(self, queryset, fmt: str):
        if not self.request.user.has_grant(self.model, "export"):
            raise PermissionDenied(_("您的角色无权导出%(model)s。") % {"model": self.verbose_name()})
        columns = self.table.export_columns()
        headers = [str(c.header) for c in columns]
        rows = self.table.rows(
            queryset[:EXPORT_LIMIT].iterator(chunk_size=2000)
            if not self.table.prefetch_related
            else queryset[:EXPORT_LIMIT],
            columns,
        )
        stem = self.export_stem or self.model._meta.model_name
        if fmt == "csv":
            return csv_response(stem, headers, rows)
        return xlsx_response(stem, self.verbose_name(), headers, rows)


@dataclass(frozen=True)
class DetailTab:
    """A tab that another app adds to a model's detail page (an outlet's data, a device's session, …).

    ``template`` is included with the page's context plus ``tab_data``, the dict that ``context(obj, request)``
    returns (computed only for users who see the tab). ``model_label`` names the model whose ``view`` grant
    the user needs to see the tab at all; ``applies_to(obj)``, when given, says whether the object has the tab
    (a water station's class history, not an air station's).
    """

    key: str
    label: str
    template: str
    model_label: str = ""
    context: Callable[[Any, Any], dict] | None = None
    applies_to: Callable[[Any], bool] | None = None

    def visible(self, user) -> bool:
        if not self.model_label:
            return True
        from django.apps import apps

        return user.has_grant(apps.get_model(self.model_label), "view")


DETAIL_TABS: dict[str, list[DetailTab]] = {}


def register_detail_tab(model_label: str, tab: DetailTab) -> None:
    """Add ``tab`` to the detail page of ``model_label`` (e.g. ``"registry.device"``); from ``AppConfig.ready()``."""
    tabs = DETAIL_TABS.setdefault(model_label.lower(), [])
    if all(existing.key != tab.key for existing in tabs):
        tabs.append(tab)


class ObjectDetailView(GatedViewMixin, View):
    template_name = ""

    def detail_tabs(self, obj) -> list[tuple[DetailTab, dict]]:
        user = self.request.user
        tabs = DETAIL_TABS.get(self.model._meta.label_lower, [])
        return [
            (tab, tab.context(obj, self.request) if tab.context else {})
            for tab in tabs
            if tab.visible(user) and (tab.applies_to is None or tab.applies_to(obj))
        ]

    def get_object(self, pk):
        try:
            return self.base_queryset().get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("%(model)s不存在或不在您的权限范围内。") % {"model": self.verbose_name()}) from None

    def extra_context(self, obj) -> dict:
        return {}

    def get(self, request, pk):
        from ecobrain.audit.changelog import history_for

        obj = self.get_object(pk)
        context = {
            **self.common_context(),
            "object": obj,
            "object_can_change": gate.is_allowed(request.user, "change", obj),
            "object_can_delete": gate.is_allowed(request.user, "delete", obj),
            "history": history_for(obj)[:50],
            "detail_tabs": self.detail_tabs(obj),
            **self.extra_context(obj),
        }
        meta = self.model._meta
        templates = [self.template_name] if self.template_name else []
        templates += [f"{meta.app_label}/{meta.model_name}_detail.html", "core/object_detail_generic.html"]
        return render(request, templates, {**context, "fields": self.detail_fields(obj)})

    def detail_fields(self, obj) -> list[tuple[str, Any]]:
        return detail_fields(obj)


def detail_fields(obj) -> list[tuple[str, Any]]:
    """(label, display value) of an object's fields, secrets and bookkeeping left out."""
    secret = set(getattr(obj, "changelog_exclude", ()))
    pairs = []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in secret or field.name in {"boundary"}:
            continue
        if field.choices:
            value = getattr(obj, f"get_{field.name}_display")()
        elif field.is_relation:
            value = getattr(obj, field.name)
        else:
            value = getattr(obj, field.attname)
        if isinstance(value, bool):
            value = _("是") if value else _("否")
        pairs.append((str(field.verbose_name), value))
    return pairs


class ObjectEditView(GatedViewMixin, View):
    """Create (no pk) or edit (pk) one object through a ModelForm; the gate is checked on the result."""

    form_class: Any = None
    template_name = "core/object_edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "add"
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, pk):
        if pk is None:
            return self.model()
        try:
            return self.base_queryset("change").get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("%(model)s不存在或不在您的权限范围内。") % {"model": self.verbose_name()}) from None

    def initial(self) -> dict:
        return {key: value for key, value in self.request.GET.items() if key in self.form_class.base_fields}

    def make_form(self, obj, data=None):
        return self.form_class(
            data, instance=obj, user=self.request.user, initial=self.initial() if obj.pk is None else None
        )

    def render_form(self, form, obj):
        return render(
            self.request,
            self.template_name,
            {**self.common_context(), "form": form, "object": obj if obj.pk else None},
        )

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        return self.render_form(self.make_form(obj), obj)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.make_form(obj, request.POST)
        if form.is_valid():
            if not gate.object_in_scope(request.user, form.instance):
                form.add_error(None, _("该对象所在区县或企业不在您的管辖范围内，不能保存。"))
            else:
                try:
                    with transaction.atomic():
                        saved = form.save()
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request, _("已保存%(model)s“%(object)s”。") % {"model": self.verbose_name(), "object": saved}
                    )
                    return HttpResponseRedirect(saved.get_absolute_url())
        return self.render_form(form, obj)


class ObjectDeleteView(GatedViewMixin, View):
    action = "delete"
    template_name = "core/object_delete.html"

    def get_object(self, pk):
        try:
            return self.base_queryset("delete").get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("%(model)s不存在或不在您的权限范围内。") % {"model": self.verbose_name()}) from None

    def get(self, request, pk):
        return render(request, self.template_name, {**self.common_context(), "object": self.get_object(pk)})

    def post(self, request, pk):
        obj = self.get_object(pk)
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError as exc:
            related = sorted({str(o._meta.verbose_name) for o in exc.protected_objects})
            messages.error(
                request,
                _("“%(object)s”仍有关联的%(related)s，不能删除：请先删除或改挂它们。")
                % {"object": obj, "related": pgettext("list separator", "、").join(related)},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("已删除%(model)s“%(object)s”。") % {"model": self.verbose_name(), "object": obj})
        return HttpResponseRedirect(self.url("list"))


class ObjectImportView(GatedViewMixin, View):
    """Upload a CSV → preview with row-level errors → confirm; all rows or none are saved."""

    action = "import"
    importer_class: Any = None
    template_name = "core/object_import.html"

    def context(self, **extra) -> dict:
        importer = self.importer_class(self.request.user)
        return {**self.common_context(), "columns": importer.columns, **extra}

    def get(self, request):
        if request.GET.get("template"):
            from django.http import HttpResponse

            response = HttpResponse(
                self.importer_class(request.user).template_csv(), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{self.model._meta.model_name}-import-template.csv"'
            )
            return response
        return render(request, self.template_name, self.context())

    def post(self, request):
        from django.conf import settings

        from ecobrain.core.imports import ImportFileError, decode_csv, drop_stash, read_stash, stash_upload

        importer = self.importer_class(request.user)
        token = request.POST.get("token", "")
        confirm = request.POST.get("confirm") == "1"
        if confirm:
            content = read_stash(token)
            if content is None:
                messages.error(request, _("导入文件已过期或不存在，请重新上传。"))
                return HttpResponseRedirect(self.url("import"))
        else:
            upload = request.FILES.get("file")
            if upload is None:
                return render(request, self.template_name, self.context(error=_("请选择要导入的 CSV 文件。")))
            if upload.size > settings.MAX_UPLOAD_BYTES:
                limit_mb = settings.MAX_UPLOAD_BYTES / 1024 / 1024
                return render(
                    request,
                    self.template_name,
                    self.context(
                        error=_("文件过大（%(size).1f MB），上限为 %(limit).0f MB：请拆分后导入。")
                        % {"size": upload.size / 1024 / 1024, "limit": limit_mb}
                    ),
                )
            content = upload.read()
            token = stash_upload(content)
        try:
            result = importer.run(decode_csv(content), commit=confirm)
        except ImportFileError as exc:
            drop_stash(token)
            return render(request, self.template_name, self.context(error=str(exc)))
        if confirm and result.committed:
            drop_stash(token)
            messages.success(
                request,
                _("导入完成：新增 %(created)s 条，更新 %(updated)s 条。")
                % {"created": result.created, "updated": result.updated},
            )
            return HttpResponseRedirect(self.url("list"))
        return render(
            request, self.template_name, self.context(result=result, token=token, preview_rows=result.rows[:500])
        )
