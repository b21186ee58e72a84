"""System checks: what a host must give the PeerLearn apps, said at start-up (``manage.py check``,
``runserver``, ``migrate``) instead of at the first request.

The apps carry their own API defaults (``api.defaults``), so a host needs only ``INSTALLED_APPS``,
``AUTH_USER_MODEL``, the URL includes, the ASGI routes and ``CHANNEL_LAYERS``. Ids are
``peerlearn_<app>.E…`` (the app cannot work) and ``peerlearn_<app>.W…`` (a part of it will
misbehave); each message says what is missing and its hint what to write.

An app whose dependencies are not installed cannot even have its models imported, so Django stops
before any check runs: ``RequiresApps`` raises ``ImproperlyConfigured`` then, worded as a check.
"""

from urllib.parse import urlsplit

import django
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.template import TemplateDoesNotExist, engines
from django.template.backends.django import DjangoTemplates
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse
from django.utils.module_loading import import_string

from .app_settings import core_settings
from .compat import sqlite_cannot_begin_immediate

APP = "peerlearn_core"
TAG = "peerlearn"
USER_MODEL = "peerlearn_core.User"
CONTEXT_PROCESSORS = (
    "django.template.context_processors.request",
    "peerlearn_core.context_processors.peerlearn",
)
MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
)


class RequiresApps:
    """AppConfig mixin: ``requires`` names the apps this one imports; a missing one stops start-up
    with ``<label>.E001`` before Django fails on a model import with a less helpful message."""

    requires: tuple[str, ...] = ()

    def import_models(self):
        missing = [name for name in self.requires if not self.apps.is_installed(name)]
        if missing:
            wanted = ", ".join(f'"{name}"' for name in self.requires)
            raise ImproperlyConfigured(
                f"{self.label}.E001: {self.name} needs {', '.join(missing)} in INSTALLED_APPS."
                f' HINT: list {wanted} before "{self.name}" in INSTALLED_APPS.'
            )
        super().import_models()


def app_check(label: str):
    """Decorates a check of app ``label``'s (written without arguments): it runs on a plain
    ``manage.py check`` and on ``check <label>``, not when other apps are named."""

    def decorate(function):
        def check(app_configs=None, **kwargs):
            if app_configs is not None and all(c.label != label for c in app_configs):
                return []
            return function()

        # Not functools.wraps: Django reads the signature (it must take **kwargs), and
        # __wrapped__ would show it the undecorated one.
        for name in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(check, name, getattr(function, name))
        return check

    return decorate


def url_checks(*, app: str, name: str, path: str, kwargs=None) -> list:
    """``<app>.E002`` when ``include("<app>.urls")`` is missing from ROOT_URLCONF, ``<app>.W002``
    when it is mounted somewhere else than the contract's paths (the pages' scripts call those)."""
    try:
        found = reverse(f"{app}:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return [
            checks.Error(
                f"The URLs of {app} are not included in ROOT_URLCONF ({settings.ROOT_URLCONF}).",
                hint=f'Add path("", include("{app}.urls")) to its urlpatterns.',
                id=f"{app}.E002",
            )
        ]
    expected = get_script_prefix() + path.lstrip("/")  # FORCE_SCRIPT_NAME moves every URL
    if found != expected:
        return [
            checks.Warning(
                f"The URLs of {app} are mounted at {found!r} instead of {expected!r}: the API"
                " contract and the pages' scripts use the root paths.",
                hint=f'Include them with path("", include("{app}.urls")).',
                id=f"{app}.W002",
            )
        ]
    return []


_URL_CHECKS: dict = {}


def register_url_check(app: str, *, name: str, path: str, kwargs=None) -> None:
    """Registers (once per app, however often ``ready()`` runs) ``url_checks`` for ``app``: the
    URL ``<app>:<name>`` (with ``kwargs``) must exist and be ``path``."""
    if app not in _URL_CHECKS:

        @app_check(app)
        def check_urls():
            return url_checks(app=app, name=name, path=path, kwargs=kwargs)

        check_urls.__qualname__ = f"check_urls[{app}]"
        _URL_CHECKS[app] = check_urls
    checks.register(_URL_CHECKS[app], TAG, checks.Tags.urls)


@app_check(APP)
def check_user_model():
    if settings.AUTH_USER_MODEL.lower() == USER_MODEL.lower():
        return []
    return [
        checks.Error(
            f"AUTH_USER_MODEL is {settings.AUTH_USER_MODEL!r}: the PeerLearn apps need their own"
            " user (email log-in, mentor/learner role).",
            hint=f'Set AUTH_USER_MODEL = "{USER_MODEL}" before the first migrate (Django cannot'
            " switch user models on an existing database).",
            id=f"{APP}.E001",
        )
    ]


@app_check(APP)
def check_channel_layer():
    """Every socket (notifications, sessions, the room) and every live push needs a layer."""
    from channels import DEFAULT_CHANNEL_LAYER

    layer = (getattr(settings, "CHANNEL_LAYERS", None) or {}).get(DEFAULT_CHANNEL_LAYER)
    if not layer:
        return [
            checks.Error(
                f'CHANNEL_LAYERS has no "{DEFAULT_CHANNEL_LAYER}" layer: every PeerLearn socket'
                " and live push would fail.",
                hint='One process: CHANNEL_LAYERS = {"default": {"BACKEND":'
                ' "channels.layers.InMemoryChannelLayer"}}; several processes: channels_redis'
                ' ("channels_redis.core.RedisChannelLayer").',
                id=f"{APP}.E003",
            )
        ]
    backend = layer.get("BACKEND") if isinstance(layer, dict) else None
    try:
        import_string(str(backend))
    except ImportError as problem:
        return [
            checks.Error(
                f'CHANNEL_LAYERS["{DEFAULT_CHANNEL_LAYER}"]["BACKEND"] = {backend!r} cannot be'
                f" imported ({problem}).",
                hint="Install its package (channels-redis for channels_redis.core.*) or fix the"
                " dotted path.",
                id=f"{APP}.E004",
            )
        ]
    return []


@app_check(APP)
def check_rest_framework():
    """DRF's browsable API renders templates of the ``rest_framework`` app: without it, a browser
    opening an /api/ URL gets a 500 (TemplateDoesNotExist)."""
    from rest_framework.renderers import BrowsableAPIRenderer
    from rest_framework.settings import api_settings

    browsable = any(
        issubclass(renderer, BrowsableAPIRenderer)
        for renderer in api_settings.DEFAULT_RENDERER_CLASSES
    )
    if not browsable or apps.is_installed("rest_framework"):
        return []
    return [
        checks.Error(
            '"rest_framework" is not in INSTALLED_APPS but DRF\'s browsable API is on: a browser'
            " opening a PeerLearn /api/ URL would get a 500.",
            hint='Add "rest_framework" to INSTALLED_APPS (or render JSON only:'
            ' REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]).',
            id=f"{APP}.E005",
        )
    ]


def _has_middleware(path: str) -> bool:
    wanted = import_string(path)
    for entry in settings.MIDDLEWARE:
        try:
            if issubclass(import_string(entry), wanted):
                return True
        except (ImportError, TypeError):
            continue
    return False


@app_check(APP)
def check_middleware():
    missing = [path for path in MIDDLEWARE if not _has_middleware(path)]
    if not missing:
        return []
    return [
        checks.Error(
            f"MIDDLEWARE lacks {', '.join(missing)}: the log-in pages, the session cookie the"
            " pages' API calls and sockets use, and request.user need them.",
            hint="Keep them as django-admin startproject lists them.",
            id=f"{APP}.E006",
        )
    ]


def _page_engine():
    """The first DjangoTemplates engine that finds the apps' templates, else None."""
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            try:
                engine.get_template("peerlearn_core/base.html")
            except TemplateDoesNotExist:
                continue
            return engine
    return None


@app_check(APP)
def check_templates():
    """The pages render with Django templates found in the apps' ``templates/`` folders, and the
    layout reads ``request`` and the site name and stylesheets from two context processors."""
    engine = _page_engine()
    if engine is None:
        return [
            checks.Error(
                "The PeerLearn page templates cannot be found: no DjangoTemplates engine looks in"
                " the apps' template folders.",
                hint='Add a "django.template.backends.django.DjangoTemplates" engine with'
                ' "APP_DIRS": True to TEMPLATES (as django-admin startproject does).',
                id=f"{APP}.E007",
            )
        ]
    missing = [path for path in CONTEXT_PROCESSORS if path not in engine.engine.context_processors]
    if not missing:
        return []
    return [
        checks.Warning(
            f"The DjangoTemplates engine {engine.name!r} lacks the context processors"
            f" {', '.join(missing)}: the PeerLearn pages render without the signed-in user bar,"
            " the site name and the stylesheets.",
            hint=f'Add {", ".join(repr(p) for p in missing)} to its OPTIONS["context_processors"].',
            id=f"{APP}.W003",
        )
    ]


@app_check(APP)
def check_login_url():
    """Signed-out visitors of the dashboards and the room are sent to LOGIN_URL; Django's default
    (/accounts/login/) is a 404 in a host that has no such page."""
    from django.shortcuts import resolve_url

    try:
        reverse(f"{APP}:login")
    except NoReverseMatch:
        return []  # E002 says the URLs are missing
    problem = None
    try:
        url = str(resolve_url(settings.LOGIN_URL))
    except NoReverseMatch:
        problem = "names no URL"
    else:
        parts, prefix = urlsplit(url), get_script_prefix()
        if not parts.netloc:
            path = (
                "/" + parts.path.removeprefix(prefix)
                if parts.path.startswith(prefix)
                else parts.path
            )
            try:
                resolve(path)
            except Resolver404:
                problem = "matches no URL of ROOT_URLCONF"
    if problem is None:
        return []
    return [
        checks.Warning(
            f"LOGIN_URL ({settings.LOGIN_URL!r}) {problem}: signed-out visitors of the dashboards"
            " and the room would land on a 404.",
            hint=f'Set LOGIN_URL = "{APP}:login", or point it at the host\'s own log-in page.',
            id=f"{APP}.W004",
        )
    ]


@app_check(APP)
def check_num_proxies():
    """DRF's NUM_PROXIES and the auth throttle's should agree: a host that set only DRF's has its
    auth throttle count every client behind the proxy as the proxy's one address."""
    drf = (getattr(settings, "REST_FRAMEWORK", None) or {}).get("NUM_PROXIES")
    ours = core_settings.NUM_PROXIES
    if drf is None or drf == ours:
        return []
    return [
        checks.Warning(
            f'REST_FRAMEWORK["NUM_PROXIES"] is {drf} but PEERLEARN_CORE["NUM_PROXIES"] is {ours}:'
            " the auth throttle (log-in, sign-up, tokens) believes X-Forwarded-For only as"
            " PEERLEARN_CORE says.",
            hint=f'Set PEERLEARN_CORE["NUM_PROXIES"] = {drf} when that many trusted proxies'
            " stand in front of the site.",
            id=f"{APP}.W005",
        )
    ]


def sqlite_defers_writes(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """``alias`` is SQLite whose transactions begin DEFERRED (``compat``): always on Django 4.2,
    on 5.1+ unless ``OPTIONS["transaction_mode"]`` is IMMEDIATE (or EXCLUSIVE)."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return False
    if sqlite_cannot_begin_immediate(alias):
        return True
    mode = str(connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") or "")
    return mode.upper() not in {"IMMEDIATE", "EXCLUSIVE"}


@app_check(APP)
def check_sqlite_transactions():
    deferred = [alias for alias in settings.DATABASES if sqlite_defers_writes(alias)]
    if not deferred:
        return []
    hint = (
        'Set DATABASES[...]["OPTIONS"]["transaction_mode"] = "IMMEDIATE" (and a "timeout").'
        if django.VERSION >= (5, 1)
        else "On Django 4.2 use PostgreSQL for more than one writer at a time, or Django 5.1+"
        ' with OPTIONS["transaction_mode"] = "IMMEDIATE".'
    )
    return [
        checks.Warning(
            f"SQLite database(s) {', '.join(deferred)} begin transactions DEFERRED: simultaneous"
            " bookings, payments or withdrawals can fail with 'database is locked' (a 500)"
            " instead of waiting their turn.",
            hint=hint,
            id=f"{APP}.W006",
        )
    ]


@app_check(APP)
def check_admin_login_throttled():
    """The admin login is an auth surface too: warn when it is not behind the auth throttle."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from django.contrib import admin

    from .admin_site import AdminSite

    if isinstance(admin.site, AdminSite):
        return []
    return [
        checks.Warning(
            "The admin login is not throttled.",
            hint="Install 'peerlearn_core.admin_apps.AdminConfig' instead of"
            " 'django.contrib.admin' in INSTALLED_APPS.",
            id=f"{APP}.W001",
        )
    ]


def register() -> None:
    """Called by the app's ``ready()``. Every PeerLearn check carries the tag ``peerlearn`` too:
    ``manage.py check --tag peerlearn`` runs only ours."""
    for check in (
        check_user_model,
        check_channel_layer,
        check_rest_framework,
        check_middleware,
        check_templates,
        check_num_proxies,
        check_sqlite_transactions,
    ):
        checks.register(check, TAG)
    checks.register(check_admin_login_throttled, TAG, checks.Tags.security)
    register_url_check(APP, name="me", path="/api/me/")
    checks.register(check_login_url, TAG, checks.Tags.urls)
