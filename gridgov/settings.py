"""Settings for gridgov, read from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from gridgov.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GRIDGOV_VAR_DIR", str(BASE_DIR / "var")))

# The development key is public; the `gridgov.W001`/`E001` checks refuse it when DEBUG is off.
DEV_SECRET_KEY = "dev-only-gridgov-secret-key-not-for-production"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Personal data (ID numbers, phones) is encrypted with this key and looked up by a keyed hash.
# 32 bytes, URL-safe base64. The development key is refused when DEBUG is off.
DEV_FIELD_KEY = "ZGV2LW9ubHktZ3JpZGdvdi1maWVsZC1rZXktMzJieXQ="
FIELD_ENCRYPTION_KEY = env_str("GRIDGOV_FIELD_KEY", DEV_FIELD_KEY)

INSTALLED_APPS = [
    # The admin site is gated by the permission policy (see gridgov/people/adminsite.py).
    "gridgov.people.admin_app.GridgovAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "gridgov.territory",
    "gridgov.people",
    "gridgov.cases",
    "gridgov.notify",
    "gridgov.intake",
    "gridgov.open311",
    "gridgov.wechat",
    "gridgov.groups",
    "gridgov.api",
    "gridgov.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view is marked `login_not_required`.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.web.context_processors.navigation",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "gridgov.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on busy_timeout instead of failing on upgrade.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Keep the connection across requests: opening it and running the PRAGMAs again cost more
            # than a whole report.
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    if config.get("ENGINE") == "django.db.backends.postgresql" and env_bool(
        "GRIDGOV_PG_SERVER_BINDING", True
    ):
        config.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 1})
    return dict(config)


DATABASES = {"default": _database()}


def _caches() -> dict[str, dict[str, object]]:
    """Return CACHES: each process's memory by default; Redis, shared by every process, with GRIDGOV_CACHE_URL.

    What lives in the cache (the per-network rate limits of the public pages) is exact only when the
    app processes share it: several `gridgov serve` workers or app servers want Redis.
    """
    url = env_str("GRIDGOV_CACHE_URL", "")
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"GRIDGOV_CACHE_URL must be a Redis URL (redis://, rediss:// or unix://), not {url!r}"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": env_str("GRIDGOV_CACHE_PREFIX", "gridgov"),
        }
    }


CACHES = _caches()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gridgov" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise scans STATIC_ROOT at start-up and warns when it is missing (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end libraries come from npm at install time; only their built files are served.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("GRIDGOV_MANIFEST_STATIC", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# Map base layer: empty means no tiles (polygons on a plain background). Chinese tile services use
# GCJ-02; set GRIDGOV_MAP_TILES_CRS=gcj02 so the pages shift WGS-84 shapes onto them.
MAP_TILES_URL = env_str("GRIDGOV_MAP_TILES", "")
MAP_TILES_CRS = env_str("GRIDGOV_MAP_TILES_CRS", "wgs84")
MAP_TILES_ATTRIBUTION = env_str("GRIDGOV_MAP_ATTRIBUTION", "")

# Administrative code of the district (GB/T 2260), the first six digits of every grid code.
DISTRICT_CODE = env_str("GRIDGOV_DISTRICT_CODE", "430204")
# Prefix of tracking numbers (工单号): SF20260621-0001.
GRIDGOV_TRACKING_PREFIX = env_str("GRIDGOV_TRACKING_PREFIX", "SF")
# The address residents reach the site at; links in WeChat messages and group posts start with it.
GRIDGOV_PUBLIC_URL = env_str("GRIDGOV_PUBLIC_URL", "")

# Intake (see .env.example): rate limits of the public report page and of tracking lookups (0: off).
GRIDGOV_REPORT_LIMIT_PHONE_HOUR = env_int("GRIDGOV_REPORT_LIMIT_PHONE_HOUR", 5)
GRIDGOV_REPORT_LIMIT_PHONE_DAY = env_int("GRIDGOV_REPORT_LIMIT_PHONE_DAY", 20)
GRIDGOV_REPORT_LIMIT_ADDRESS_HOUR = env_int("GRIDGOV_REPORT_LIMIT_ADDRESS_HOUR", 10)
GRIDGOV_REPORT_LIMIT_IP = env_int("GRIDGOV_REPORT_LIMIT_IP", 30)
GRIDGOV_REPORT_LIMIT_IP_WINDOW = env_int("GRIDGOV_REPORT_LIMIT_IP_WINDOW", 600)
GRIDGOV_TRACK_LIMIT_IP = env_int("GRIDGOV_TRACK_LIMIT_IP", 20)
GRIDGOV_TRACK_LIMIT_IP_WINDOW = env_int("GRIDGOV_TRACK_LIMIT_IP_WINDOW", 600)
# Failed tracking lookups of one number, from any network, counted in the database (window in seconds).
GRIDGOV_TRACK_LIMIT_NUMBER = env_int("GRIDGOV_TRACK_LIMIT_NUMBER", 10)
GRIDGOV_TRACK_LIMIT_NUMBER_WINDOW = env_int("GRIDGOV_TRACK_LIMIT_NUMBER_WINDOW", 86400)
# Open311: whom partner systems ask about the service (empty: the district grid centre).
GRIDGOV_OPEN311_CONTACT = env_str("GRIDGOV_OPEN311_CONTACT", "")
GRIDGOV_OPEN311_KEY_LIMIT_HOUR = env_int("GRIDGOV_OPEN311_KEY_LIMIT_HOUR", 600)  # per API key (0: off)
# JSON API: the largest JSON body (photos in base64); larger photo sets go as multipart.
GRIDGOV_API_MAX_JSON_BYTES = env_int("GRIDGOV_API_MAX_JSON_BYTES", 32 * 1024 * 1024)
# The WeChat official account (checked by wechat.E001/E002/W001).
GRIDGOV_WECHAT_TOKEN = env_str("GRIDGOV_WECHAT_TOKEN", "")
GRIDGOV_WECHAT_AES_KEY = env_str("GRIDGOV_WECHAT_AES_KEY", "")
GRIDGOV_WECHAT_APPID = env_str("GRIDGOV_WECHAT_APPID", "")
GRIDGOV_WECHAT_SECRET = env_str("GRIDGOV_WECHAT_SECRET", "")
GRIDGOV_WECHAT_TEMPLATE_ID = env_str("GRIDGOV_WECHAT_TEMPLATE_ID", "")
GRIDGOV_WECHAT_TEMPLATE_FIELDS = env_str(
    "GRIDGOV_WECHAT_TEMPLATE_FIELDS", "text=first,tracking_no=keyword1,status=keyword2,time=keyword3"
)
GRIDGOV_WECHAT_API_BASE = env_str("GRIDGOV_WECHAT_API_BASE", "https://api.weixin.qq.com")
# WeCom: the group robots' API and the app callback.
GRIDGOV_WECOM_API_BASE = env_str("GRIDGOV_WECOM_API_BASE", "https://qyapi.weixin.qq.com")
GRIDGOV_WECOM_TOKEN = env_str("GRIDGOV_WECOM_TOKEN", "")
GRIDGOV_WECOM_AES_KEY = env_str("GRIDGOV_WECOM_AES_KEY", "")
GRIDGOV_WECOM_CORPID = env_str("GRIDGOV_WECOM_CORPID", "")
GRIDGOV_WECOM_SECRET = env_str("GRIDGOV_WECOM_SECRET", "")

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
