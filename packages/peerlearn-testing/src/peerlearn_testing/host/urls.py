"""The bare host's URLs: the admin, then ``path("", include("<app>.urls"))`` for each app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    *[path("", include(f"{app}.urls")) for app in settings.PEERLEARN_APPS],
]
