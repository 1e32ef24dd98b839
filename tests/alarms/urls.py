"""The project's URLs plus, until the work-order pages exist on this branch, a stand-in for the one URL name
the work-order service needs (``workorders:workorder_detail``, used in its notification link)."""

from django.http import HttpResponse
from django.urls import include, path

from ecobrain.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401
from tests.alarms.ui_data import workorder_pages_installed

if not workorder_pages_installed():

    def _workorder_stand_in(request, pk):
        return HttpResponse(f"work order {pk}")

    urlpatterns = [
        *urlpatterns,
        path(
            "workorders/",
            include(([path("<int:pk>/", _workorder_stand_in, name="workorder_detail")], "workorders")),
        ),
    ]
