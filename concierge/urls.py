from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from concierge.api.errors import api_not_found
from concierge.api.main import api
from concierge.core import live
from concierge.core.health import healthz

admin.site.site_header = "Concierge administration"
admin.site.site_title = "Concierge"

# Styled pages in the face's layout with a link home (the 500 page needs no database).
handler400 = "concierge.core.errors_middleware.bad_request"
handler403 = "concierge.core.errors_middleware.permission_denied"
handler404 = "concierge.core.errors_middleware.page_not_found"
handler500 = "concierge.core.errors_middleware.server_error"


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The event stream under a WSGI server (development, tests); the ASGI app answers it in production.
    path("live/stream", live.wsgi_stream, name="live_stream"),
    path("admin/", admin.site.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("service/", include("concierge.service.urls")),
    path("", include("concierge.storefront.urls")),
]
