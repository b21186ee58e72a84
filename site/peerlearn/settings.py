"""Settings of the composed PeerLearn site, read from the environment (see .env.example)."""

import json
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # site/
REPO_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# SQLite database, development secret key, collected static and media live here by default.
DATA_DIR = Path(os.environ.get("PEERLEARN_DATA_DIR", REPO_DIR / "var"))


def development_secret_key(path: Path) -> str:
    """DEBUG without SECRET_KEY: a random key made on first run and kept (mode 0600) in the data
    directory, so sessions and tokens survive restarts and no key is ever written in the code.
    Processes racing on the first run all end up with the one key that was linked in first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            os.link(temporary, path)  # atomic, and never replaces a key another process made
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it to make a new one.")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = development_secret_key(DATA_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    # django.contrib.admin with its login behind the auth throttle.
    "peerlearn_core.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "tailwind",
    "peerlearn_theme",
    "peerlearn_core",
    "peerlearn_bookings",
    "peerlearn_payouts",
    "peerlearn_rtc",
    "peerlearn_analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /api/: JSON errors, Cache-Control: no-store, 308 slash redirects; above CommonMiddleware.
    "peerlearn_core.api.middleware.ApiResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: the chain above runs in the request's one thread, not a thread hop per hook.
    "peerlearn_core.sync_chain.SyncMiddlewareChain",
]

ROOT_URLCONF = "peerlearn.urls"
ASGI_APPLICATION = "peerlearn.asgi.application"
WSGI_APPLICATION = "peerlearn.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerlearn_core.context_processors.peerlearn",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database: SQLite (embedded default) or PostgreSQL through DATABASE_URL -------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's backend, with connections kept from one request to the next (under ASGI
            # each request would open its own: see peerlearn_core.db.sqlite3).
            "ENGINE": "peerlearn_core.db.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "peerlearn.sqlite3")),
            "OPTIONS": {
                "timeout": 30,
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
                # so concurrent writers queue on the busy timeout instead of failing mid-transaction.
                # Both options are Django 5.1+ (the site pins 5.2; the apps' READMEs say what holds
                # on 4.2 without them).
                **(
                    {
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                        "transaction_mode": "IMMEDIATE",
                    }
                    if django.VERSION >= (5, 1)
                    else {}
                ),
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "peerlearn_core.User"

# --- Channels: in-memory by default, Redis when REDIS_URL is set -----------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that
                # channels-redis blocks in BZPOPMIN: the read times out, the consumer dies and
                # its socket silently stops receiving. A longer read timeout avoids that race.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "socket_connect_timeout": 5,
                        "health_check_interval": 10,
                    }
                ],
                # Sites sharing one Redis database keep apart by prefix (tests run several).
                "prefix": os.environ.get("REDIS_PREFIX") or "asgi",
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
    # CHANNEL_LAYER=pubsub picks channels-redis' Pub/Sub layer (at-most-once, no per-channel
    # queue in Redis); the default list-based layer is measured against it in docs/benchmarks.md.
    if os.environ.get("CHANNEL_LAYER", "core") == "pubsub":
        CHANNEL_LAYERS["default"] = {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
                "prefix": CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
            },
        }
    CACHES = {
        "default": {
            "BACKEND": "peerlearn_core.cache.RedisCache",  # one pool per process (see there)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", ""),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "peerlearn_core.realtime.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Largest request body read into memory, uploaded files aside (API JSON and form posts): no body
# of ours comes near it; a larger one is a 400 "Request body too large.".
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE") or 1024 * 1024)

LOGIN_URL = "peerlearn_core:login"
LOGIN_REDIRECT_URL = "peerlearn_core:home"
LOGOUT_REDIRECT_URL = "peerlearn_core:login"

# Proxies in front of Daphne whose X-Forwarded-For may be trusted; 0 means use the socket address,
# so a client cannot dodge the throttles with a forged header. DRF's throttles and the apps' auth
# throttle (PEERLEARN_CORE below) are told the same.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
# Every PeerLearn API view carries its own authentication (JWT, session), permission, parsers and
# exception handler (peerlearn_core.api.defaults), and its throttles read their rates from the
# apps' settings: these defaults are for DRF's own pages and for any view the site adds itself.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "peerlearn_core.api.schema.AutoSchema",
    # DRF's JSON parser within a size (DATA_UPLOAD_MAX_MEMORY_SIZE) and depth limit; its
    # multipart parser refusing parts without a name (which Django would skip).
    "DEFAULT_PARSER_CLASSES": [
        "peerlearn_core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "peerlearn_core.api.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "peerlearn_core.api.exceptions.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "7"))),
    # Follows SECRET_KEY (the generated one in development) unless set on its own.
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or SECRET_KEY,
    "UPDATE_LAST_LOGIN": True,
}
API_DOCS_ACCESS = os.environ.get("API_DOCS_ACCESS", "public").strip().lower()
if API_DOCS_ACCESS not in {"public", "staff"}:
    raise ImproperlyConfigured("API_DOCS_ACCESS must be 'public' or 'staff'.")
SPECTACULAR_SETTINGS = {
    "TITLE": "PeerLearn API",
    "DESCRIPTION": "Live peer-learning sessions: accounts, sessions, bookings, payouts, analytics.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Generation one at a time per process: drf-spectacular's is not thread-safe.
    "DEFAULT_GENERATOR_CLASS": "peerlearn_core.api.schema.SchemaGenerator",
    # The contract is JSON everywhere: bodies are documented as JSON only (the parsers still take
    # forms, for the browsable API; /api/me/ documents its multipart avatar upload itself).
    "PARSER_WHITELIST": [
        "rest_framework.parsers.JSONParser",
        "peerlearn_core.api.parsers.JSONParser",
    ],
    # Choice sets that share a field name ("status") get names of their own, so no operation
    # borrows another model's values (SessionRequest.status is pending/accepted/declined).
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "peerlearn_bookings.models.SessionStatus",
        "SessionRequestStatusEnum": "peerlearn_bookings.models.RequestStatus",
        "PaymentStatusEnum": "peerlearn_bookings.models.PaymentStatus",
        "CancelReasonEnum": "peerlearn_bookings.models.CancelReason",
        "PayoutStatusEnum": "peerlearn_payouts.models.PayoutStatus",
        "RoleEnum": "peerlearn_core.models.Role",
    },
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would load it from validator.swagger.io (off-site, and the
    # CSP refuses it).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Who may read /api/schema/, /api/docs/ and /api/redoc/: API_DOCS_ACCESS=public (anyone: the
    # contract is public) or staff (signed-in staff only). Default: public.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAdminUser"
        if API_DOCS_ACCESS == "staff"
        else "rest_framework.permissions.AllowAny"
    ],
}

# --- I18N ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Daphne serves no static files itself; WhiteNoise does, straight from the finders in development.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

TAILWIND_APP_NAME = "peerlearn_theme"
NPM_BIN_PATH = os.environ.get("NPM_BIN_PATH", "npm")

# --- Security when DEBUG is off --------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the UI kit's api module reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- PeerLearn apps --------------------------------------------------------------------------
PEERLEARN_CORE = {
    # One throttle for the API's auth endpoints, the log-in/sign-up pages and the admin login.
    "AUTH_THROTTLE_RATE": os.environ.get("THROTTLE_AUTH", "20/min"),
    "AUTH_ACCOUNT_THROTTLE_RATE": os.environ.get("THROTTLE_AUTH_ACCOUNT", "10/15min"),
    "NUM_PROXIES": NUM_PROXIES,
    "WEBSOCKET_ALLOWED_ORIGINS": env_list("WEBSOCKET_ALLOWED_ORIGINS"),
    "STYLESHEETS": ["css/dist/styles.css"],
    "UI_KIT_ENABLED": env_bool("PEERLEARN_UI_KIT", DEBUG),
    "SITE_NAME": "PeerLearn",
}

# Razorpay keys only ever come from the environment. In development with no keys set, the app
# talks to the loopback sandbox that `make run` starts (fake keys, nothing real behind them).
_SANDBOX = DEBUG and not os.environ.get("RAZORPAY_KEY_ID")
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "8765"))
PEERLEARN_PAYOUTS = {
    "KEY_ID": os.environ.get("RAZORPAY_KEY_ID", "rzp_test_sandbox" if _SANDBOX else ""),
    "KEY_SECRET": os.environ.get("RAZORPAY_KEY_SECRET", "sandbox-key-secret" if _SANDBOX else ""),
    "ACCOUNT_NUMBER": os.environ.get(
        "RAZORPAYX_ACCOUNT_NUMBER", "7878780080316316" if _SANDBOX else ""
    ),
    "WEBHOOK_SECRET": os.environ.get(
        "RAZORPAY_WEBHOOK_SECRET", "sandbox-webhook-secret" if _SANDBOX else ""
    ),
    "BASE_URL": os.environ.get(
        "RAZORPAY_BASE_URL",
        f"http://127.0.0.1:{SANDBOX_PORT}" if _SANDBOX else "https://api.razorpay.com",
    ),
    "CHECKOUT_URL": os.environ.get(
        "RAZORPAY_CHECKOUT_URL", f"http://localhost:{SANDBOX_PORT}/checkout" if _SANDBOX else ""
    ),
    "SEAT_HOLD_MINUTES": int(os.environ.get("SEAT_HOLD_MINUTES", "15")),
    "TIMEOUT": float(os.environ.get("RAZORPAY_TIMEOUT", "5")),
    "MONEY_THROTTLE_RATE": os.environ.get("THROTTLE_MONEY", "30/min"),
}


# --- Live room (WebRTC signaling, STUN/TURN) -------------------------------------------------
def _env_json_list(name: str) -> list:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError as problem:
        raise ImproperlyConfigured(f"{name} must be a JSON list: {problem}") from problem
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ImproperlyConfigured(f'{name} must be a JSON list of objects like {{"urls": ...}}.')
    return value


PEERLEARN_BOOKINGS = {
    "ACTION_THROTTLE_RATE": os.environ.get("THROTTLE_ACTIONS", "30/min"),
}
PEERLEARN_RTC = {
    # RTCIceServer dicts handed to every client as they are, e.g. [{"urls": "stun:stun.example.com"}].
    "ICE_SERVERS": _env_json_list("RTC_ICE_SERVERS"),
    # coturn with use-auth-secret: per-user credentials are minted from TURN_SECRET.
    "TURN_URLS": env_list("TURN_URLS"),
    "TURN_SECRET": os.environ.get("TURN_SECRET", ""),
    "TURN_TTL_SECONDS": int(os.environ.get("TURN_TTL_SECONDS") or "3600"),
    "MAX_MESH_PEERS": int(os.environ.get("RTC_MAX_MESH_PEERS") or "8"),
    "ATTENDED_AFTER_SECONDS": int(os.environ.get("RTC_ATTENDED_AFTER_SECONDS") or "60"),
}


# --- Content-Security-Policy (django-csp; Django 6 has it built in) ---------------------------
# Our own origin for everything, plus: sockets (ws/wss of the trusted origins; CSP 3 browsers
# already match same-origin ws: with 'self'), the room's camera streams (blob:/mediastream:) and
# Razorpay Checkout (its script and frame, its API) or, in the demo, the loopback sandbox standing
# in for it. No inline script or <style> without the request's nonce; no inline style attributes
# (the pages set sizes and colours through CSSOM, which CSP does not restrict).
def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


_SELF = "'self'"
_RAZORPAY = ["https://checkout.razorpay.com", "https://api.razorpay.com"]
# Checkout's script comes from CHECKOUT_URL's origin; the Checkout frame and its form come from the
# gateway itself (BASE_URL: api.razorpay.com, or the sandbox, which frames its own address).
_CHECKOUT = (
    [_origin(PEERLEARN_PAYOUTS["CHECKOUT_URL"])] if PEERLEARN_PAYOUTS["CHECKOUT_URL"] else []
)
_GATEWAY = [
    origin
    for origin in dict.fromkeys([*_CHECKOUT, _origin(PEERLEARN_PAYOUTS["BASE_URL"])])
    if origin and origin not in _RAZORPAY
]
_SOCKETS = [
    origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    for origin in CSRF_TRUSTED_ORIGINS
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "base-uri": [_SELF],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": [_SELF, *_RAZORPAY, *_GATEWAY],
        "script-src": [_SELF, "https://checkout.razorpay.com", *_CHECKOUT, NONCE],
        "style-src": [_SELF, NONCE],
        "style-src-attr": ["'none'"],
        # data: for the SVG icons inlined in Swagger UI's stylesheet; blob: for local previews.
        "img-src": [_SELF, "data:", "blob:"],
        "font-src": [_SELF, "data:"],
        "media-src": [_SELF, "blob:", "mediastream:"],
        "connect-src": [_SELF, *_SOCKETS, "https://api.razorpay.com", *_GATEWAY],
        "frame-src": [*_RAZORPAY, *_GATEWAY],
        "worker-src": [_SELF],
        "manifest-src": [_SELF],
    },
}
