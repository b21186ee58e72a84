from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

# Swagger UI's settings come from a same-origin script (the split view), so the page runs under
# the strict policy. ReDoc styles itself with injected <style> elements and a blob: worker: its
# page alone may use inline styles.
redoc = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
    SpectacularRedocView.as_view(url_name="schema")
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", redoc, name="api-redoc"),
    path("", include("peerlearn_core.urls")),
    path("", include("peerlearn_bookings.urls")),
    path("", include("peerlearn_payouts.urls")),
    path("", include("peerlearn_rtc.urls")),
    path("", include("peerlearn_analytics.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
