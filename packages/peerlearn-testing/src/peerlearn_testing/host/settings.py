"""A bare host: the settings ``django-admin startproject`` writes, plus exactly what the apps'
READMEs ask for, and no ``REST_FRAMEWORK`` at all. ``PEERLEARN_BARE_APPS`` (comma-separated)
lists the PeerLearn apps to install; ``PEERLEARN_BARE_DIR`` is where the database goes."""

import os
from pathlib import Path

import django

PEERLEARN_APPS = os.environ.get("PEERLEARN_BARE_APPS", "peerlearn_core").split(",")
DATA_DIR = Path(os.environ.get("PEERLEARN_BARE_DIR", "."))

# --- django-admin startproject ---------------------------------------------------------------
SECRET_KEY = "bare-host-test-key-0123456789-0123456789-0123456789"  # tests only
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
INSTALLED_APPS = [
    # The README's one change to the stock list: the admin whose login is throttled.
    "peerlearn_core.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # --- the READMEs ---
    "channels",
    "rest_framework",
    *PEERLEARN_APPS,
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peerlearn_testing.host.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # --- the README ---
                "peerlearn_core.context_processors.peerlearn",
            ],
        },
    },
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        # --- the README: writers wait their turn (Django 5.1+; see "SQLite" there) ---
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}
        if django.VERSION >= (5, 1)
        else {"timeout": 20},
    }
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- the READMEs ------------------------------------------------------------------------------
AUTH_USER_MODEL = "peerlearn_core.User"
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
LOGIN_URL = "peerlearn_core:login"
ASGI_APPLICATION = "peerlearn_testing.host.asgi.application"
if "peerlearn_payouts" in PEERLEARN_APPS:
    # From the environment in a real host. Nothing listens on this port: a call to Razorpay
    # fails at once, as it would with Razorpay down.
    PEERLEARN_PAYOUTS = {
        "KEY_ID": "rzp_test_bare_host",
        "KEY_SECRET": "bare-host-key-secret",
        "ACCOUNT_NUMBER": "7878780080316316",
        "WEBHOOK_SECRET": "bare-host-webhook-secret",
        "BASE_URL": "http://127.0.0.1:9",
        "TIMEOUT": 1.0,
    }
