"""Django settings for Pengcheng. Everything configurable comes from the environment (see README)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from pengcheng import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

# The demo (``pengcheng demo``) sets PENGCHENG_DEMO; it is the only place DEBUG defaults to on.
DEMO = config.env_bool("PENGCHENG_DEMO", False)
DEBUG = config.env_bool("DEBUG", DEMO)
SECRET_KEY = config.secret_key(DATA_DIR)
ALLOWED_HOSTS = config.env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if (DEBUG or DEMO) else ["localhost"]
)
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])

# Pengcheng's own apps, in dependency order. Each has the same shape (models, services, selectors,
# api, views, tasks, tests); URLs and API routers are discovered from this list.
PENGCHENG_APPS = [
    "pengcheng.core",
    "pengcheng.audit",
    "pengcheng.workdays",
    "pengcheng.jobs",
    "pengcheng.notifications",
    "pengcheng.hotline",
]

# Pengcheng's apps come first so that their translations and templates take precedence.
INSTALLED_APPS = [
    *PENGCHENG_APPS,
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pengcheng.core.middleware.DomainErrorMiddleware",
    # Axes last, as its documentation asks, so that it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pengcheng.urls"
WSGI_APPLICATION = "pengcheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pengcheng.core.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": config.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

REDIS_URL = config.env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pengcheng"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after-login"
LOGOUT_REDIRECT_URL = "home"

# Account lockout (django-axes): the account, not the client address, is locked, so that a shared
# service-hall network does not lock out everyone behind it.
AXES_FAILURE_LIMIT = config.env_int("PENGCHENG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Locking by client address would lock out a whole service hall behind one NAT address; accounts are
# locked instead, which is what axes.W006 asks us to reconsider.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# i18n: Chinese first, English beside it.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
# Hashed, compressed static files once ``collectstatic`` has written its manifest (``pengcheng serve``
# runs it); until then files are served under their plain names straight from the apps.
_STATIC_MANIFEST = (STATIC_ROOT / "staticfiles.json").exists() and not DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "pengcheng.core.static_storage.StaticStorage"
            if _STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _STATIC_MANIFEST

# E-mail: a file spool in the data directory unless an SMTP server is configured.
EMAIL_URL = config.env_str("EMAIL_HOST")
if EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_URL
    EMAIL_PORT = config.env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = config.env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = config.env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = config.env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = config.env_str("DEFAULT_FROM_EMAIL", "noreply@pengcheng.localhost")

# Security. Production defaults are strict; behind a TLS-terminating proxy set
# PENGCHENG_BEHIND_PROXY=1 so Django trusts X-Forwarded-Proto.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = config.env_int("PENGCHENG_SESSION_SECONDS", 8 * 3600)
if not DEBUG:
    SECURE_SSL_REDIRECT = config.env_bool("PENGCHENG_SSL_REDIRECT", True)
    # Load-balancer probes reach /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = config.env_bool("PENGCHENG_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = config.env_int("PENGCHENG_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = config.env_bool("PENGCHENG_HSTS_PRELOAD", True)
    if config.env_bool("PENGCHENG_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background jobs (django-q2): the database is the broker by default, so SQLite needs no other
# service; with REDIS_URL set the queue moves to Redis.
Q_CLUSTER: dict[str, object] = {
    "name": "pengcheng",
    "workers": config.env_int("PENGCHENG_WORKERS", 2),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 3,
    "save_limit": 1000,
    "catch_up": False,
    "label": _("Background jobs"),
    "sync": config.env_bool("PENGCHENG_JOBS_SYNC", False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django_q": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# SMS delivery: the file spool by default; a gateway adapter in production.
PENGCHENG_SMS_BACKEND = config.env_str("PENGCHENG_SMS_BACKEND", "pengcheng.notifications.backends.FileSmsBackend")

# Working-day calendar: office hours used for deadlines counted in working hours.
PENGCHENG_OFFICE_HOURS = [("09:00", "12:00"), ("14:00", "18:00")]
# Where the shared public data sets live (imports and demos read it in place).
PENGCHENG_SHARED_DATA = Path(config.env_str("PENGCHENG_SHARED_DATA", str(BASE_DIR.parent.parent / "shared" / "data")))

# 12345 hotline (pengcheng.hotline): the Open311 jurisdiction this server answers for, the contact
# shown in Open311 discovery, and an optional classifier that suggests categories and departments
# to dispatchers (a dotted path to a callable; none by default, and dispatch works without it).
PENGCHENG_OPEN311_JURISDICTION = config.env_str("PENGCHENG_OPEN311_JURISDICTION", "sz.gov.cn")
PENGCHENG_OPEN311_CONTACT = config.env_str(
    "PENGCHENG_OPEN311_CONTACT", "12345 hotline centre, +86 755 12345, open311@pengcheng.localhost"
)
PENGCHENG_HOTLINE_CLASSIFIER = config.env_str("PENGCHENG_HOTLINE_CLASSIFIER", "")
# The public address of the portal, for links sent by SMS (return visits, tracking).
PENGCHENG_SITE_URL = config.env_str("PENGCHENG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
