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
    "pengcheng.seals",
    "pengcheng.licences",
    "pengcheng.registries",
    "pengcheng.identity",
    "pengcheng.opendata",
    "pengcheng.catalog",
    "pengcheng.applications",
    "pengcheng.prefill",
    "pengcheng.hotline",
    "pengcheng.knowledge",
    "pengcheng.insights",
    "pengcheng.nlp",
    "pengcheng.rules",
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
    "ninja",  # so the API docs load Swagger UI from our static files, not from a CDN
    "axes",
    "django_q",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pengcheng.identity.middleware.SessionActivityMiddleware",
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
# Hashed, compressed static files (``pengcheng serve`` runs collectstatic first). Before collectstatic
# has ever run, files keep their plain names and are served straight from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "pengcheng.core.static_storage.StaticStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

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

# Hotline insights: a hot topic "spikes" when it grew by this factor over the previous window with at
# least this many tickets; replies scoring below the threshold (out of 100) are flagged for review.
PENGCHENG_HOT_TOPIC_SPIKE_FACTOR = config.env_int("PENGCHENG_HOT_TOPIC_SPIKE_FACTOR", 3)
PENGCHENG_HOT_TOPIC_SPIKE_MIN = config.env_int("PENGCHENG_HOT_TOPIC_SPIKE_MIN", 10)
PENGCHENG_REPLY_FLAG_BELOW = config.env_int("PENGCHENG_REPLY_FLAG_BELOW", 60)

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

# The audit log is kept in this many hash chains, so writers about different objects do not queue
# behind one lock; records about one object always share a chain. Raising it later is safe.
PENGCHENG_AUDIT_CHAINS = config.env_int("PENGCHENG_AUDIT_CHAINS", 16)

# Working-day calendar: office hours used for deadlines counted in working hours.
PENGCHENG_OFFICE_HOURS = [("09:00", "12:00"), ("14:00", "18:00")]
# Where the shared public data sets live (imports and demos read it in place).
PENGCHENG_SHARED_DATA = Path(config.env_str("PENGCHENG_SHARED_DATA", str(BASE_DIR.parent.parent / "shared" / "data")))

# Electronic licences and seals (licences, seals). The public base URL names issuers (did:web) and
# status lists inside every credential, so it must stay stable once credentials are issued. Issuer
# and seal private keys are stored encrypted (PKCS#8) in the database under a passphrase from
# PENGCHENG_KEY_PASSPHRASE, or derived from SECRET_KEY when that is unset.
PENGCHENG_PUBLIC_URL = config.env_str("PENGCHENG_PUBLIC_URL", "https://pengcheng.localhost").rstrip("/")
PENGCHENG_KEY_PASSPHRASE = config.env_str("PENGCHENG_KEY_PASSPHRASE", "")
# Unified identity (pengcheng.identity): an OpenID Connect provider on django-oauth-toolkit, and a
# TOTP second factor (django-otp) for staff. Signing keys live in the database key ring
# (identity.SigningKey), generated on first use and rotated with ``pengcheng rotate_oidc_key``.
OAUTH2_PROVIDER_APPLICATION_MODEL = "identity.Client"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # DOT only tests this setting for truthiness; the keys themselves come from the key ring
    # (Client.jwk_key and the JWKS view are overridden), so no private key is ever in settings.
    "OIDC_RSA_PRIVATE_KEY": "pengcheng.identity.keys",
    "OIDC_ISS_ENDPOINT": config.env_str("PENGCHENG_OIDC_ISSUER", ""),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "pengcheng.identity.oauth.PengchengValidator",
    "OIDC_SERVER_CLASS": "pengcheng.identity.oauth.CodeFlowServer",
    "SCOPES_BACKEND_CLASS": "pengcheng.identity.oauth.PengchengScopes",
    "DEFAULT_SCOPES": ["openid"],
    # PKCE with S256 for every client, public or confidential (RFC 9700 §2.1.1), and the other
    # RFC 9700 hardening DOT offers: no implicit or password grants, tokens hashed at rest.
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "ACCESS_TOKEN_GENERATOR": "pengcheng.identity.oauth.random_token",
    "REFRESH_TOKEN_GENERATOR": "pengcheng.identity.oauth.random_token",
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": config.env_int("PENGCHENG_OIDC_ACCESS_TOKEN_SECONDS", 3600),
    "ID_TOKEN_EXPIRE_SECONDS": config.env_int("PENGCHENG_OIDC_ID_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": config.env_int("PENGCHENG_OIDC_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600),
    "REQUEST_APPROVAL_PROMPT": "auto",
    # Client secrets are 128 random characters: one salted SHA-256 round protects them as well as
    # a slow password hash would, and keeps the token endpoint fast.
    "CLIENT_SECRET_HASHER": "pengcheng_client_secret",
}
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "pengcheng.identity.hashers.ClientSecretHasher",
]
OTP_TOTP_ISSUER = "Pengcheng 鹏城"
# Failed second-factor codes count towards the same account lockout as failed passwords (axes).
PENGCHENG_MFA_PENDING_SECONDS = 300
# DOT warns whenever "http" is an allowed redirect scheme; client registration (identity.services)
# allows plain http only for loopback hosts (RFC 8252 native and development clients).
SILENCED_SYSTEM_CHECKS += ["oauth2_provider.W008"]
# A new signing key is published this long before it signs, so every process's JWKS has it first.
PENGCHENG_OIDC_KEY_PUBLISH_SECONDS = config.env_int("PENGCHENG_OIDC_KEY_PUBLISH_SECONDS", 60)
# Open data (opendata app): uploads larger than this load in the background; default daily quota per
# API key; how often each process writes its batched API call counts to the database.
PENGCHENG_OPENDATA_INLINE_BYTES = config.env_int("PENGCHENG_OPENDATA_INLINE_BYTES", 2 * 1024 * 1024)
PENGCHENG_OPENDATA_DAILY_QUOTA = config.env_int("PENGCHENG_OPENDATA_DAILY_QUOTA", 10_000)
PENGCHENG_OPENDATA_USAGE_FLUSH_SECONDS = config.env_int("PENGCHENG_OPENDATA_USAGE_FLUSH_SECONDS", 5)
PENGCHENG_OPENDATA_MAX_UPLOAD_BYTES = config.env_int("PENGCHENG_OPENDATA_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# Searches cached per process under the catalogue version (0 turns the cache off).
PENGCHENG_OPENDATA_SEARCH_CACHE = config.env_int("PENGCHENG_OPENDATA_SEARCH_CACHE", 2000)
# Applications (一网通办): uploads, virus scanning and kiosks.
PENGCHENG_UPLOAD_MAX_BYTES = config.env_int("PENGCHENG_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# The virus scanner for uploads; see pengcheng/applications/scanning.py (ClamdScanner for ClamAV).
PENGCHENG_VIRUS_SCANNER = config.env_str("PENGCHENG_VIRUS_SCANNER", "pengcheng.applications.scanning.SignatureScanner")
PENGCHENG_CLAMD = config.env_str("PENGCHENG_CLAMD", "tcp://127.0.0.1:3310")
# The kiosk's identity-card reader: AgentCardReader in production, the simulator in the demo; unset
# switches card login off. See pengcheng/applications/kiosk.py.
PENGCHENG_CARD_READER = config.env_str(
    "PENGCHENG_CARD_READER", "pengcheng.applications.kiosk.SimulatedCardReader" if DEMO else ""
)
PENGCHENG_KIOSK_AGENT_SECRET = config.env_str("PENGCHENG_KIOSK_AGENT_SECRET", "")
PENGCHENG_KIOSK_HALL = config.env_str("PENGCHENG_KIOSK_HALL", "")  # department code of the kiosk's hall
PENGCHENG_KIOSK_IDLE_SECONDS = config.env_int("PENGCHENG_KIOSK_IDLE_SECONDS", 90)
PENGCHENG_KIOSK_SESSION_SECONDS = config.env_int("PENGCHENG_KIOSK_SESSION_SECONDS", 600)

# 12345 hotline (pengcheng.hotline): the Open311 jurisdiction this server answers for, the contact
# shown in Open311 discovery, and an optional classifier that suggests categories and departments
# to dispatchers (a dotted path to a callable; none by default, and dispatch works without it).
PENGCHENG_OPEN311_JURISDICTION = config.env_str("PENGCHENG_OPEN311_JURISDICTION", "sz.gov.cn")
PENGCHENG_OPEN311_CONTACT = config.env_str(
    "PENGCHENG_OPEN311_CONTACT", "12345 hotline centre, +86 755 12345, open311@pengcheng.localhost"
)
PENGCHENG_HOTLINE_CLASSIFIER = config.env_str("PENGCHENG_HOTLINE_CLASSIFIER", "pengcheng.nlp.suggest.suggest")
PENGCHENG_HOTLINE_AUTO_DISPATCHER = config.env_str(
    "PENGCHENG_HOTLINE_AUTO_DISPATCHER", "pengcheng.nlp.suggest.auto_dispatch"
)
# Hotline text classification (pengcheng.nlp): where model files live (default DATA_DIR/models/nlp),
# the initial auto-dispatch setting (changed later in the console), the held-back share, the
# tolerated drop when promoting, and unlabelled text for the learned representation (paths joined
# by ":"; default: the shared data's hotline and kb folders).
PENGCHENG_NLP_MODEL_DIR = config.env_str("PENGCHENG_NLP_MODEL_DIR", "")
PENGCHENG_NLP_AUTO_DISPATCH = config.env_bool("PENGCHENG_NLP_AUTO_DISPATCH", False)
PENGCHENG_NLP_AUTO_DISPATCH_THRESHOLD = float(config.env_str("PENGCHENG_NLP_AUTO_DISPATCH_THRESHOLD", "0.9"))
PENGCHENG_NLP_HOLDOUT_SHARE = 0.2
PENGCHENG_NLP_PROMOTE_TOLERANCE = float(config.env_str("PENGCHENG_NLP_PROMOTE_TOLERANCE", "0"))
PENGCHENG_NLP_CORPUS = config.env_str("PENGCHENG_NLP_CORPUS", "")
