from django.http import HttpResponseRedirect

from ecobrain.audit import filtersets, tables
from ecobrain.audit.models import ObjectChange, SecurityEvent
from ecobrain.core.object_views import ObjectListView


class ObjectChangeListView(ObjectListView):
    """The change log of registry objects; each row links to the object when it still exists."""

    model = ObjectChange
    url_base = "audit:objectchange"
    read_only = True
    table = tables.objectchange_table
    filterset_class = filtersets.ObjectChangeFilterSet
    template_name = "audit/objectchange_list.html"


class SecurityEventListView(ObjectListView):
    model = SecurityEvent
    url_base = "audit:securityevent"
    read_only = True
    table = tables.securityevent_table
    filterset_class = filtersets.SecurityEventFilterSet
    template_name = "audit/securityevent_list.html"


def objectchange_target(request, pk):
    """Follow a change-log row to the object it describes (404 handled by the object's own gate)."""
    change = ObjectChange.objects.restrict(request.user).select_related("content_type").filter(pk=pk).first()
    model = change.content_type.model_class() if change else None
    if model is None or not hasattr(model, "get_absolute_url"):
        return HttpResponseRedirect("/audit/changes/")
    obj = model._default_manager.filter(pk=change.object_id).first()
    return HttpResponseRedirect(obj.get_absolute_url() if obj else "/audit/changes/")
