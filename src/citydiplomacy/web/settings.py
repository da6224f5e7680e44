"""Django settings, read from the environment.

``CITYDIPLOMACY_ENV`` selects the profile:

* ``development`` (default): SQLite in ``var/``, a secret key generated once into
  ``var/secret_key``, console e-mail, plain-HTTP cookies for 127.0.0.1.
* ``production``: ``CITYDIPLOMACY_SECRET_KEY`` and ``CITYDIPLOMACY_ALLOWED_HOSTS`` are required
  (start-up fails without them), cookies are secure, HTTPS is enforced.

``DATABASE_URL`` selects the database (for example ``postgres://user@127.0.0.1:5432/name``);
without it the embedded SQLite file is used. Every variable is listed in ``docs/web.md``.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

WEB_DIR = Path(__file__).resolve().parent
ENV = os.environ.get("CITYDIPLOMACY_ENV", "development")
if ENV not in ("development", "production"):
    raise ImproperlyConfigured("CITYDIPLOMACY_ENV must be 'development' or 'production'")
PRODUCTION = ENV == "production"
DATA_DIR = Path(os.environ.get("CITYDIPLOMACY_DATA_DIR", Path.cwd() / "var")).resolve()
# The SQLite file, the development secret key and the collected static files live here; a
# fresh deployment's directory is created, and one that cannot be is named in one message
# (the command line prints it without a traceback).
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    raise ImproperlyConfigured(
        f"the data directory {DATA_DIR} (CITYDIPLOMACY_DATA_DIR) cannot be created: "
        f"{exc.strerror or exc}; create it or point CITYDIPLOMACY_DATA_DIR to a writable one"
    ) from None


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set in production (CITYDIPLOMACY_ENV=production); see docs/web.md"
        )
    return value


def _dev_secret_key() -> str:
    """A random key kept in the data directory, so sessions survive a restart."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = _required("CITYDIPLOMACY_SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("CITYDIPLOMACY_ALLOWED_HOSTS").split(",")]
else:
    SECRET_KEY = os.environ.get("CITYDIPLOMACY_SECRET_KEY") or _dev_secret_key()
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    extra_hosts = os.environ.get("CITYDIPLOMACY_ALLOWED_HOSTS", "")
    ALLOWED_HOSTS += [h.strip() for h in extra_hosts.split(",") if h.strip()]

DEBUG = os.environ.get("CITYDIPLOMACY_DEBUG", "") == "1" and not PRODUCTION

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "citydiplomacy.web.accounts",
    "citydiplomacy.web.cities",
    "citydiplomacy.web.indicators",
    "citydiplomacy.web.reports",
    "citydiplomacy.web.partners",
    "citydiplomacy.web.engagement",
    "citydiplomacy.web.recognition",
    "citydiplomacy.web.capacity",
    "citydiplomacy.web.notifications",
    "citydiplomacy.web.pagecache",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page (django-csp; the policy is below).
    "csp.middleware.CSPMiddleware",
    "citydiplomacy.web.headers.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # 400 for NUL, other control characters or lone surrogates in the path, query or form
    # fields, before any view (PostgreSQL cannot store NUL; no view need guard against it).
    "citydiplomacy.web.middleware.HostileTextMiddleware",
    # Anonymous visitors' public pages, kept until the content changes (web/pagecache).
    "citydiplomacy.web.pagecache.middleware.PublicPageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it watches failed logins and locks out repeated guessing.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "citydiplomacy.web.urls"
WSGI_APPLICATION = "citydiplomacy.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "citydiplomacy.web.accounts.context.roles",
                # A page the page cache keeps is rendered with a CSRF placeholder.
                "citydiplomacy.web.pagecache.middleware.csrf_placeholder",
            ],
        },
    }
]

_sqlite_path = DATA_DIR / "citydiplomacy.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_sqlite_path}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests on SQLite use an in-memory database, which no other process can open; the
    # background-work tests with a real worker process need a file (scripts/test.sh sets it).
    if os.environ.get("CITYDIPLOMACY_SQLITE_TEST_DB"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["CITYDIPLOMACY_SQLITE_TEST_DB"]}
    # WAL lets readers run while one writer commits; the timeout waits for a busy writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Connections are kept (60 s, as with PostgreSQL): opening the file and running the
    # pragmas again cost about 2.5 ms of server CPU on every request that reads the database,
    # two thirds of a kept public page's whole cost. An idle connection in WAL mode holds no
    # snapshot: each statement outside a transaction reads the latest commit.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Throttled logins (django-axes): after 5 failures for one user name from one address, that
# pair is locked out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("CITYDIPLOMACY_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The address is the client's, not the reverse proxy's (one rule with the API's rate limit):
# keyed on the proxy's address, an attacker's failures would lock the user out for everyone.
AXES_CLIENT_IP_CALLABLE = "citydiplomacy.web.client_address.client_address"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SAMESITE = "Lax"
# No script of the site reads the CSRF cookie (forms carry the token in a hidden field).
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse the cookies unless they are Secure, for this
    # host only (no Domain) and for the whole site (Path=/): no sibling subdomain can set them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = os.environ.get("CITYDIPLOMACY_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("CITYDIPLOMACY_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS >= 31_536_000
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith(".")]

# Content-Security-Policy (django-csp) on every response of the site: scripts, styles, fonts
# and data only from this site (the front end is vendored, nothing comes from a CDN), no
# inline script or style (no page has one: the Swagger UI start-up is a static file),
# images also as data: URLs (Swagger UI's and Leaflet's icons), no plug-ins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Mail is queued as a background task (citydiplomacy.web.tasks), which sends it with the
# delivery backend: on a worker when a broker is configured, inline otherwise.
EMAIL_BACKEND = "citydiplomacy.web.tasks.QueuedEmailBackend"
CITYDIPLOMACY_EMAIL_DELIVERY_BACKEND = os.environ.get(
    "CITYDIPLOMACY_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("CITYDIPLOMACY_FROM_EMAIL", "citydiplomacy@localhost")
#: Where django.core.mail.backends.filebased.EmailBackend writes mails, when chosen.
EMAIL_FILE_PATH = DATA_DIR / "mail"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [WEB_DIR / "locale"]
# The language chosen with the switcher of every page (django.views.i18n.set_language) is
# remembered for a year in a cookie that no script reads, SameSite=Lax like the session's,
# and only sent over HTTPS in production.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [WEB_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (development, tests) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
#: Uploaded files (partnership documents). With several app servers, a directory they share.
MEDIA_ROOT = Path(os.environ.get("CITYDIPLOMACY_MEDIA_DIR", DATA_DIR / "media")).resolve()

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
#: Largest KPI data file accepted by the upload page and the API.
CITYDIPLOMACY_MAX_UPLOAD_BYTES = int(os.environ.get("CITYDIPLOMACY_MAX_UPLOAD_BYTES", 20_000_000))
#: Requests per user (or per address when anonymous) the JSON API answers, e.g. "600/min".
CITYDIPLOMACY_API_RATE = os.environ.get("CITYDIPLOMACY_API_RATE", "600/min")
#: Proxies in front of the app servers that append the client's address to X-Forwarded-For
#: (production: the TLS proxy). The API's rate limit counts an anonymous client by the address
#: the nearest of them saw; left unset, django-ninja believed the whole header, so a client
#: naming a new address in each request was never limited.
NINJA_NUM_PROXIES = int(os.environ.get("CITYDIPLOMACY_PROXIES", "1" if PRODUCTION else "0"))
#: Replications of the uncertainty analysis behind the ranking's rank intervals.
CITYDIPLOMACY_SENSITIVITY_RUNS = int(os.environ.get("CITYDIPLOMACY_SENSITIVITY_RUNS", "256"))
#: The Celery broker (Redis) that sends background work to `citydiplomacy worker` processes,
#: on this host or others; REDIS_URL serves when it is not set. None: tasks run inline.
CITYDIPLOMACY_BROKER_URL = (
    os.environ.get("CITYDIPLOMACY_BROKER_URL", "").strip()
    or os.environ.get("REDIS_URL", "").strip()
)
#: Re-score off the request and serve the previous snapshot meanwhile (serve sets it; on by
#: default with a broker): on a worker with a broker, else on a thread of the web process.
CITYDIPLOMACY_BACKGROUND_SCORING = (
    os.environ.get("CITYDIPLOMACY_BACKGROUND_SCORING", "1" if CITYDIPLOMACY_BROKER_URL else "")
    == "1"
)
#: The framework the platform profiles cities on.
CITYDIPLOMACY_FRAMEWORK = os.environ.get("CITYDIPLOMACY_FRAMEWORK", "u4ssc")
# Lexicon files (term, category, lemma, pattern, notes) added to the recognition tracker's
# packaged lexicons, separated by ":" (docs/recognition.md).
CITYDIPLOMACY_RECOGNITION_LEXICONS = [
    p for p in os.environ.get("CITYDIPLOMACY_RECOGNITION_LEXICONS", "").split(os.pathsep) if p
]

CACHES: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "citydiplomacy",
    }
}
# How long an anonymous visitor's public page is kept (web/pagecache: any change to the
# content makes every kept page obsolete at once; this bounds only writes made outside the
# site's code). 0 turns the page cache off.
CITYDIPLOMACY_PAGE_CACHE_SECONDS = int(os.environ.get("CITYDIPLOMACY_PAGE_CACHE_SECONDS", "300"))
# Kept public pages have their own cache: in memory, a bound on how many (about 20 kB each,
# compressed) so they do not push the other caches' entries out; in Redis, a key prefix.
_PAGE_ENTRIES = {"MAX_ENTRIES": int(os.environ.get("CITYDIPLOMACY_PAGE_CACHE_ENTRIES", "5000"))}
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "citydiplomacy-pages",
    "OPTIONS": _PAGE_ENTRIES,
}
if os.environ.get("CITYDIPLOMACY_PAGE_CACHE_DIR"):
    # `serve` sets it: its worker processes share one set of kept pages in files (each page
    # rendered once for all of them, not once per process), as app servers share Redis.
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["CITYDIPLOMACY_PAGE_CACHE_DIR"],
        "OPTIONS": _PAGE_ENTRIES,
    }
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": "pages"}


def _message_only(record: logging.LogRecord) -> bool:
    """Keep a security event's message, drop its traceback: a scanner trying host names
    would otherwise fill the log with tracebacks of a refusal that worked."""
    record.exc_info = None
    record.exc_text = None
    return True


# Background work (Celery; citydiplomacy.web.celery_app, docs/deployment.md). Tasks are JSON,
# acknowledged after they ran (a worker that dies mid-task leaves it to another), one at a
# time per worker process; no results are stored (tasks write to the database).
CELERY_BROKER_URL = CITYDIPLOMACY_BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not CITYDIPLOMACY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CITYDIPLOMACY_TASK_QUEUE", "citydiplomacy")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within the hour (its worker vanished) is delivered again.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"message_only": {"()": lambda: _message_only}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # A logger's own filters miss its children's records (django.security.DisallowedHost):
        # the filter sits on the handler.
        "security": {"class": "logging.StreamHandler", "filters": ["message_only"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CITYDIPLOMACY_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.security": {"handlers": ["security"], "propagate": False},
    },
}
