"""Settings: one file, every knob from the environment, safe defaults.

With DJANGO_DEBUG unset the site runs in production mode and refuses to start without
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS. `make run` provides both for a local install
(a generated key in var/secret_key, loopback host names).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from accounts.directory import GROUP_TYPES as LDAP_GROUP_TYPES  # plain ldap3, no Django
from pneumosite.static_headers import add_security_headers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

VAR_DIR = Path(env_str("PNEUMO_VAR_DIR", str(BASE_DIR / "var")))
# What the app writes (the SQLite database, stored X-rays, tokens, spool files, the model
# store) is for the app's user alone, whatever umask it was started with: another account
# on the host reads nothing (diagnosis.apps also tightens what an older install left open).
os.umask(0o077)
FILE_UPLOAD_PERMISSIONS = 0o600
# The pages' messages (an upload's per-file reasons) wait in the session, on the server: a
# cookie would carry them signed but readable.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# `make run` writes a random key here: a local install's own commands (train_model,
# createsuperuser, ...) then work without any environment, on loopback host names.
LOCAL_SECRET_FILE = VAR_DIR / "secret_key"
LOCAL_INSTALL = not env_str("DJANGO_SECRET_KEY") and LOCAL_SECRET_FILE.is_file()

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if LOCAL_INSTALL:
    SECRET_KEY = LOCAL_SECRET_FILE.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or run `make run` once for a local install, "
            "or DJANGO_DEBUG=1 for development)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

LOOPBACK_HOSTS = "localhost,127.0.0.1,[::1]"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", LOOPBACK_HOSTS if DEBUG or LOCAL_INSTALL else "")
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "Set DJANGO_ALLOWED_HOSTS, e.g. DJANGO_ALLOWED_HOSTS=xray.example.org"
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "diagnosis",
    "pacs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's choice (a cookie), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who acts, for the audit trail; then the session limits (idle, absolute, revoked).
    "accounts.middleware.AccessContextMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    # Before anything reads an upload's body (CsrfViewMiddleware does, for POST forms).
    "diagnosis.middleware.RefuseAnonymousUploadsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Views and downloads of patient data, and refused writes, into the audit trail.
    "diagnosis.middleware.AccessAuditMiddleware",
    # The app's errors (diagnosis.errors) as their HTTP status on pages.
    "diagnosis.middleware.ApplicationErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns locked-out logins into a 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The hospital directory, when PNEUMO_LDAP_URI is set (accounts.backends).
    "accounts.backends.DirectoryBackend",
]
# Login lock-out: after this many failures for one username from one address.
AXES_FAILURE_LIMIT = env_int("PNEUMO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("PNEUMO_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "diagnosis.error_views.locked_out"  # 429 in the site's layout
# Reverse proxies in front of the app that append to X-Forwarded-For: the client address
# is the one the outermost trusted proxy saw; with 0 the header is ignored (it is the
# client's own word), for login lock-outs and API throttles alike.
PNEUMO_PROXY_COUNT = env_int("PNEUMO_PROXY_COUNT", 0)
# One rule for the lock-out, the throttles and the audit trail: DRF's, with NUM_PROXIES.
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_address"


def env_secret(name: str) -> str:
    """A secret from NAME, or from the file NAME_FILE names (a Docker or systemd secret)."""
    path = env_str(f"{name}_FILE")
    if not path:
        return env_str(name)
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None


# The hospital directory (LDAP / Active Directory); unset URI: local accounts only.
PNEUMO_LDAP_URI = env_str("PNEUMO_LDAP_URI")
PNEUMO_LDAP_BIND_DN = env_str("PNEUMO_LDAP_BIND_DN")
PNEUMO_LDAP_BIND_PASSWORD = env_secret("PNEUMO_LDAP_BIND_PASSWORD")
PNEUMO_LDAP_USER_BASE = env_str("PNEUMO_LDAP_USER_BASE")
PNEUMO_LDAP_USER_FILTER = env_str("PNEUMO_LDAP_USER_FILTER", "(uid=%(user)s)")
PNEUMO_LDAP_USERNAME_ATTRIBUTE = env_str("PNEUMO_LDAP_USERNAME_ATTRIBUTE", "uid")
PNEUMO_LDAP_GROUP_TYPE = env_str("PNEUMO_LDAP_GROUP_TYPE", "groupOfNames")
PNEUMO_LDAP_REVIEWER_GROUP = env_str("PNEUMO_LDAP_REVIEWER_GROUP")
PNEUMO_LDAP_STAFF_GROUP = env_str("PNEUMO_LDAP_STAFF_GROUP")
PNEUMO_LDAP_START_TLS = env_bool("PNEUMO_LDAP_START_TLS", False)
PNEUMO_LDAP_TIMEOUT = float(env_str("PNEUMO_LDAP_TIMEOUT", "5"))
if PNEUMO_LDAP_URI:
    if "%(user)s" not in PNEUMO_LDAP_USER_FILTER:
        raise ImproperlyConfigured("PNEUMO_LDAP_USER_FILTER must contain %(user)s.")
    if not PNEUMO_LDAP_USER_BASE:
        raise ImproperlyConfigured("PNEUMO_LDAP_USER_BASE: name where the users are.")
    if PNEUMO_LDAP_GROUP_TYPE not in LDAP_GROUP_TYPES:
        raise ImproperlyConfigured(
            f"PNEUMO_LDAP_GROUP_TYPE is one of {', '.join(LDAP_GROUP_TYPES)}, "
            f"not {PNEUMO_LDAP_GROUP_TYPE!r}."
        )

# Sessions end after this long without a request, and after this long in all.
PNEUMO_SESSION_IDLE_MINUTES = float(env_str("PNEUMO_SESSION_IDLE_MINUTES", "15"))
PNEUMO_SESSION_MAX_HOURS = float(env_str("PNEUMO_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = int(PNEUMO_SESSION_MAX_HOURS * 3600)
# The access audit trail is kept six years (HIPAA's documentation rule); prune_audit.
PNEUMO_AUDIT_RETENTION_DAYS = env_int("PNEUMO_AUDIT_RETENTION_DAYS", 2192)

ROOT_URLCONF = "pneumosite.urls"
WSGI_APPLICATION = "pneumosite.wsgi.application"

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
                "diagnosis.context_processors.model_status",
            ],
        },
    },
]

# Database: SQLite file by default, anything dj-database-url understands otherwise.
# (Importing the settings creates no folder: `migrate` creates the SQLite file's folder.)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work beside a writer; IMMEDIATE transactions and a busy timeout
    # make concurrent writers queue instead of failing with "database is locked".
    # Connections are kept (60 s, as for any database): SQLite checkpoints the WAL with an
    # fsync whenever its last connection closes, which every request that wrote (a
    # throttle counter, on every API call) paid when each request closed its connection
    # (BENCHMARKS.md, "Serving").
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def throttle_cache(store: str) -> dict:
    """Where the API throttles count: one store that every worker and machine shares."""
    if store == "database":  # no extra service; `migrate` creates the table
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pneumo_throttle_cache",
            # Past this many live counters the oldest third is dropped (an attack from
            # more addresses than that within a minute gets a looser limit).
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    if store == "memory":  # per process: only for a single worker
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    if store.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": store}
    raise ImproperlyConfigured(
        f"PNEUMO_THROTTLE_CACHE must be 'database', 'memory' or a redis:// URL, not {store!r}"
    )


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": throttle_cache(env_str("PNEUMO_THROTTLE_CACHE", "database")),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "diagnosis:upload"
LOGOUT_REDIRECT_URL = "login"

# English by default; Simplified Chinese (the dataset's hospital is in Guangzhou) from the
# browser's Accept-Language or the switcher at the foot of every page (the API's messages
# follow Accept-Language too).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Stored scans are private: MEDIA_ROOT is never served by URL, only through views
# that check ownership (diagnosis.views.scan_file).
MEDIA_ROOT = Path(env_str("PNEUMO_MEDIA_ROOT", str(VAR_DIR / "media")))
# No URL route serves this prefix (Django's test live server is the only thing that would).
MEDIA_URL = "/private-media-never-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_ADD_HEADERS_FUNCTION = add_security_headers

# The model and the limits of an upload.
# Empty: the model shipped in mlcore/shipped_model (the app's door to mlcore,
# diagnosis.active_model, resolves it: the settings never import mlcore).
PNEUMO_MODEL_DIR = env_str("PNEUMO_MODEL_DIR", "")
# The model store: site versions (adapt_to_site, set_site_threshold), one folder each.
# Writable data, never in the code tree; shared by every machine of a site (which version is
# active is a row in the database).
PNEUMO_MODEL_VERSIONS_DIR = Path(env_str("PNEUMO_MODEL_VERSIONS_DIR") or VAR_DIR / "models")
# TensorFlow threads per process; 0: one per core (gunicorn.conf.py divides the cores
# among its workers).
PNEUMO_TF_THREADS = env_int("PNEUMO_TF_THREADS", 0)
PNEUMO_MAX_UPLOAD_BYTES = env_int("PNEUMO_MAX_UPLOAD_BYTES", 25_000_000)  # 25 MB
PNEUMO_MAX_IMAGE_PIXELS = env_int("PNEUMO_MAX_IMAGE_PIXELS", 40_000_000)
# What decoding one upload may cost: bytes of the decoded frame(s) (checked from the
# codestream before decoding), progressive JPEG scans, and the memory and seconds of the
# child process that decodes DICOM files. A batch request decodes at most
# PNEUMO_MAX_BATCH_PIXELS (plus one image); later files are rejected, not decoded.
PNEUMO_MAX_DECODE_BYTES = env_int("PNEUMO_MAX_DECODE_BYTES", 256 * 1024 * 1024)
PNEUMO_MAX_JPEG_SCANS = env_int("PNEUMO_MAX_JPEG_SCANS", 100)
PNEUMO_DECODE_MEMORY_BYTES = env_int("PNEUMO_DECODE_MEMORY_BYTES", 1024 * 1024 * 1024)
PNEUMO_DECODE_SECONDS = float(env_str("PNEUMO_DECODE_SECONDS", "10"))
PNEUMO_MAX_BATCH_PIXELS = env_int("PNEUMO_MAX_BATCH_PIXELS", 200_000_000)
# DICOM files that declare burned-in annotation (a name drawn into the pixels) are refused.
PNEUMO_ACCEPT_BURNED_IN = env_bool("PNEUMO_ACCEPT_BURNED_IN", False)
# Site secret for the DICOM patient key (HMAC-SHA-256 of PatientID); empty: no key is kept.
PNEUMO_PATIENT_KEY_SECRET = env_str("PNEUMO_PATIENT_KEY_SECRET")
PNEUMO_MAX_BATCH_FILES = env_int("PNEUMO_MAX_BATCH_FILES", 32)
PNEUMO_MAX_BATCH_BYTES = env_int("PNEUMO_MAX_BATCH_BYTES", 200_000_000)  # 200 MB
DATA_UPLOAD_MAX_NUMBER_FILES = max(PNEUMO_MAX_BATCH_FILES, 1)
PNEUMO_DISPLAY_SIZE = env_int("PNEUMO_DISPLAY_SIZE", 2048)
PNEUMO_THUMBNAIL_SIZE = env_int("PNEUMO_THUMBNAIL_SIZE", 160)
PNEUMO_MAX_ASPECT_RATIO = float(env_str("PNEUMO_MAX_ASPECT_RATIO", "4"))
# Seconds a request waits for the model (busy with other requests) before a 503.
PNEUMO_PREDICT_TIMEOUT = float(env_str("PNEUMO_PREDICT_TIMEOUT", "30"))
# Uploads stream to disk above this size instead of being held in memory, and no
# handler keeps more than PNEUMO_MAX_UPLOAD_BYTES of one file.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
# Larger ones are spooled here (made on first use), to files with no name on disk
# (diagnosis/upload_handlers.py).
PNEUMO_UPLOAD_SPOOL_DIR = VAR_DIR / "tmp"
FILE_UPLOAD_HANDLERS = [
    "diagnosis.upload_handlers.CappedMemoryFileUploadHandler",
    "diagnosis.upload_handlers.CappedTemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    # The token first: its challenge makes missing or bad credentials a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "diagnosis.api.authentication.TokenOrBearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "diagnosis.api.pagination.PageSizePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "diagnosis.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "diagnosis.api.throttles.AnonThrottle",
        "diagnosis.api.throttles.UserThrottle",
        "diagnosis.api.throttles.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("PNEUMO_THROTTLE_ANON", "30/minute"),
        "user": env_str("PNEUMO_THROTTLE_USER", "600/minute"),
        # images analysed per user, by the pages and the API together (a batch counts
        # each file), and heatmaps made per user (a kept one is free)
        "uploads": env_str("PNEUMO_THROTTLE_UPLOADS", "120/minute"),
        "maps": env_str("PNEUMO_THROTTLE_MAPS", "60/minute"),
        # token requests, per client address and, separately, per submitted user name
        "token": env_str("PNEUMO_THROTTLE_TOKEN", "10/minute"),
    },
    "NUM_PROXIES": PNEUMO_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pneumonia screening API",
    "DESCRIPTION": (
        "Upload a chest X-ray and get a pneumonia/normal prediction with a calibrated "
        "probability. Research and triage support only, not a diagnosis."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The one PATCH (a scan's notes) takes its one field, required, as the schema says.
    "COMPONENT_SPLIT_PATCH": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "diagnosis.api.schema.error_fields",
    ],
    # The model's verdict and the reviewer's finding share one set of values.
    "ENUM_NAME_OVERRIDES": {"PredictedClassEnum": "diagnosis.models.Scan.PredictedClass"},
}

# HTTPS hardening, on by default outside DEBUG; DJANGO_SECURE=0 for a plain-HTTP local run.
SECURE = env_bool("DJANGO_SECURE", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", True)
# Load balancers and the container's health check probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthcheck$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts anywhere (the API docs load their init script from a URL too).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True

# The hospital side (pacs/): a DICOM storage node and the delivery of results to the PACS.
PNEUMO_DICOM_AE_TITLE = env_str("PNEUMO_DICOM_AE_TITLE", "PNEUMOSCAN")
PNEUMO_DICOM_PORT = env_int("PNEUMO_DICOM_PORT", 11112)
PNEUMO_DICOM_BIND = env_str("PNEUMO_DICOM_BIND", "127.0.0.1")
# Calling AE titles the listener accepts (empty: any).
PNEUMO_DICOM_ALLOWED_AES = env_list("PNEUMO_DICOM_ALLOWED_AES")
# The user that owns the scans received from the PACS (a user name).
PNEUMO_DICOM_OWNER = env_str("PNEUMO_DICOM_OWNER")
PNEUMO_DICOM_MAX_ASSOCIATIONS = env_int("PNEUMO_DICOM_MAX_ASSOCIATIONS", 8)
PNEUMO_DICOM_MAX_PDU = env_int("PNEUMO_DICOM_MAX_PDU", 65536)
PNEUMO_DICOM_TIMEOUT = env_int("PNEUMO_DICOM_TIMEOUT", 30)  # seconds: ACSE, DIMSE, network
# Only these BodyPartExamined values are analysed (empty: any; the gate judges anyway).
PNEUMO_DICOM_BODY_PARTS = env_list("PNEUMO_DICOM_BODY_PARTS")
# Where results go: "AE@host:port" for C-STORE (and C-FIND of the source header), and/or
# a STOW-RS URL (its WADO-RS base for the header). Empty: nothing is sent.
PNEUMO_DICOM_DESTINATION = env_str("PNEUMO_DICOM_DESTINATION")
PNEUMO_DICOMWEB_DESTINATION = env_str("PNEUMO_DICOMWEB_DESTINATION")
# The Fernet key (cryptography) that seals what waits for delivery: the source's UIDs.
PNEUMO_INTEGRATION_KEY = env_str("PNEUMO_INTEGRATION_KEY")
# Sealed references are cleared this long after their delivery ended, or gave up.
PNEUMO_INTEGRATION_RETENTION_DAYS = env_int("PNEUMO_INTEGRATION_RETENTION_DAYS", 7)
PNEUMO_DELIVERY_ATTEMPTS = env_int("PNEUMO_DELIVERY_ATTEMPTS", 8)
PNEUMO_DELIVERY_BACKOFF_SECONDS = env_int("PNEUMO_DELIVERY_BACKOFF_SECONDS", 10)
PNEUMO_DELIVERY_THREADS = env_int("PNEUMO_DELIVERY_THREADS", 4)
# Megabytes of stored files (copies, thumbnails, heatmaps) each user may keep before the
# pages and the API refuse their uploads (413); 0: no quota. The PACS's service user is not
# held to it (a PACS cannot be told to delete).
PNEUMO_USER_QUOTA_MB = env_int("PNEUMO_USER_QUOTA_MB", 2000)
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["pacs", "pacs-captures"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # One knob for the app and gunicorn; DJANGO_LOG_LEVEL is its older name.
    "root": {
        "handlers": ["console"],
        "level": env_str("PNEUMO_LOG_LEVEL", env_str("DJANGO_LOG_LEVEL", "INFO")).upper(),
    },
    # pynetdicom and highdicom log request identifiers and UIDs at INFO and DEBUG.
    # Their INFO lines, and pydicom's warnings, can quote header values (identifiers).
    "loggers": {
        "pynetdicom": {"level": "WARNING"},
        "highdicom": {"level": "WARNING"},
        "pydicom": {"level": "ERROR"},
    },
}
