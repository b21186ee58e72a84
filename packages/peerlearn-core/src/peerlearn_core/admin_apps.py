"""``django.contrib.admin`` with ``peerlearn_core.admin_site.AdminSite`` (throttled login) as the
default site; list ``"peerlearn_core.admin_apps.AdminConfig"`` in INSTALLED_APPS in its place.
Kept apart from admin_site.py, which imports models and so cannot load while apps are loading."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "peerlearn_core.admin_site.AdminSite"
