from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ecobrain.portal.mobile import views as mobile_views

admin.site.site_header = _("EcoBrain 生态环境智慧大脑 管理后台")
admin.site.site_title = "EcoBrain"

urlpatterns = [
    # The mobile app's service worker and manifest live at the root: a worker's scope is the folder it is served from.
    path("sw.js", mobile_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", mobile_views.manifest, name="web_manifest"),
    path("", include("ecobrain.core.urls")),
    path("accounts/", include("ecobrain.accounts.urls")),
    path("registry/", include("ecobrain.registry.urls")),
    path("audit/", include("ecobrain.audit.urls")),
    path("monitoring/", include("ecobrain.monitoring.urls")),
    path("ingest/", include("ecobrain.ingest.urls")),
    path("assessment/", include("ecobrain.assessment.urls")),
    path("workorders/", include("ecobrain.workorders.urls")),
    path("alarms/", include("ecobrain.alarms.urls")),
    path("notifications/", include("ecobrain.notifications.urls")),
    path("complaints/", include("ecobrain.complaints.urls")),
    path("public/complaints/", include("ecobrain.complaints.urls_public")),
    path("public/", include("ecobrain.portal.urls")),
    path("portal/", include("ecobrain.portal.urls_staff")),
    path("open311/", include("ecobrain.complaints.open311.urls")),
    path("m/", include("ecobrain.portal.urls_mobile")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("ecobrain.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "ecobrain.core.views.permission_denied"
handler404 = "ecobrain.core.views.page_not_found"
handler500 = "ecobrain.core.views.server_error"
