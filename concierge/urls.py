from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from concierge.api.errors import api_not_found
from concierge.api.main import api
from concierge.core.health import healthz

admin.site.site_header = "Concierge administration"
admin.site.site_title = "Concierge"


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("service/", include("concierge.service.urls")),
    path("", include("concierge.storefront.urls")),
]
