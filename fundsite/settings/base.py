"""Settings shared by every environment. Values that vary come from ``env.py``."""

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "fundsite"

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_BASE_URL = env_str("SITE_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_BASE_URL = SITE_BASE_URL
WAGTAIL_SITE_NAME = "志愿城市·太原"

INSTALLED_APPS = [
    # Our apps first so their templates and translations win; fundsite's (site-wide, error
    # pages, Wagtail admin templates given a CSP nonce) before all, forms' widgets included.
    "fundsite",
    "cms_pages",
    "ledger",
    "donations",
    "duties",
    "wechat",
    "search",
    "complaints",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v3",
    "wagtail.locales",
    "wagtail",
    # No separate "modelsearch" here: wagtail.search *is* the modelsearch app
    # (label wagtailsearch); listing both makes every index update fail.
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    # Installed so both API documents' Swagger pages load their files from us, not a CDN.
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fundsite.middleware.SecurityHeadersMiddleware",
    # Inside django-csp's: the JS-SDK's origin joins script-src only on the response that loads it.
    "wechat.middleware.WechatClientPolicyMiddleware",
    # Before anything reads the request (and after the headers above, so a refusal gets them too):
    # control characters get a plain 400.
    "fundsite.middleware.InputCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "fundsite.api_v3.PagingBoundsMiddleware",
]
# Form bodies under these prefixes are left to their forms' own validation (see fundsite/middleware.py): the admin's
# and the giving form (/donate/<id>/), which answer with the form again, what was typed kept and the error beside
# its field. Nothing else under /donate/ reads a body (the fund-wide campaign page is a Wagtail page).
INPUT_BODY_CHECK_SKIP_PREFIXES = ["/admin/", "/donate/"]

ROOT_URLCONF = "fundsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # site-wide templates live in the fundsite app
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "fundsite.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED", False):
    # Parameters sent apart from the SQL, so psycopg prepares a statement a connection runs often
    # (5 times) and PostgreSQL plans it once per connection rather than on every run: planning the
    # notification path's joins and the ledger's views takes longer than executing them. Off by
    # default: the suites pass with it, but over HTTP (benchmarks/notify_http.py) it showed no
    # gain beyond the noise of a shared 2-core machine.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite's default page cache is 2 MB: the search index of a few thousand pages
    # outgrows it and every broad query rereads it (1.7× slower, measured in
    # benchmarks/bench_search.py). 64 MB of cache and memory-mapped reads keep it in memory.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fundsite",
        }
    }
    # Rate limits count in Redis (atomic INCR), shared by every worker.
    RATELIMIT_CACHE = "default"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A worker's local memory is neither shared nor kept across recycling: count in the database instead.
    RATELIMIT_CACHE = None
# How many proxies in front of gunicorn append to X-Forwarded-For (nginx: 1). With 0 the header is
# ignored and REMOTE_ADDR is the client, so a client reaching gunicorn directly cannot pick its address.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The public and the admin speak Simplified Chinese; times are Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# What Wagtail leaves in English is translated in our own catalogue (fundsite/locale), which wins over the apps'.
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names so browsers may cache static files for a year.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Ledger: the page type an entry's project must be. The ledger reaches projects (and, through the
# model's ledger_category_paths, their categories) only through this, never by importing the app.
LEDGER_PROJECT_MODEL = "cms_pages.ProjectPage"

# Wagtail
WAGTAILIMAGES_IMAGE_MODEL = "cms_pages.FundImage"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Refuse decompression bombs: no upload may decode to more than 40 megapixels.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "gif": "png", "heic": "jpeg", "avif": "jpeg"}
WAGTAILDOCS_EXTENSIONS = ["pdf", "csv", "json", "xlsx", "docx", "zip", "txt"]
# Every document download passes Wagtail's serve view, where private ledger vouchers are refused.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Search analyses Chinese itself (search.analysis); the database backend is the
# embedded default, Elasticsearch the scale-out. Both serve the admin's search too.
SEARCH_BACKEND = env_str("SEARCH_BACKEND", "database")
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL", "")
if SEARCH_BACKEND == "elasticsearch":
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.elasticsearch",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": env_str("ELASTICSEARCH_INDEX_PREFIX", "fundsite"),
        },
    }
elif SEARCH_BACKEND == "database":
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
else:
    raise RuntimeError(f"SEARCH_BACKEND must be database or elasticsearch, not {SEARCH_BACKEND!r}")
WAGTAILAPI_DOCS_ENABLED = True
WAGTAILAPI_LIMIT_MAX = 100  # the whole project list fits one request
WAGTAIL_I18N_ENABLED = False
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILADMIN_COMMENTS_ENABLED = True

# Background work: django-tasks, database-backed, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_URL = env_str("EMAIL_URL", "console")
if EMAIL_URL == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    _email = dj_database_url.parse(EMAIL_URL.replace("smtp://", "postgres://", 1))
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email["HOST"]
    EMAIL_PORT = int(_email["PORT"] or 587)
    EMAIL_HOST_USER = _email["USER"]
    EMAIL_HOST_PASSWORD = _email["PASSWORD"]
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
# Who is told of overdue and near-due disclosure duties (manage.py duties_remind, daily).
DUTIES_OFFICE_EMAIL = env_list("DUTIES_OFFICE_EMAIL", "")

PORT = env_int("PORT", 8000)

# Payments: gateways are enabled by name; every credential comes from the environment.
PAYMENT_GATEWAYS = env_list("PAYMENT_GATEWAYS", "")

# The transparency log: its name and the Ed25519 key that signs its tree heads (ledger/services/log.py).
LEDGER_LOG_ORIGIN = env_str("LEDGER_LOG_ORIGIN", "zhiyuan-taiyuan/fund-ledger")
LEDGER_SIGNING_KEY = env_str("LEDGER_SIGNING_KEY", "")
ALIPAY_APP_ID = env_str("ALIPAY_APP_ID", "")
ALIPAY_SELLER_ID = env_str("ALIPAY_SELLER_ID", "")
ALIPAY_APP_PRIVATE_KEY = env_str("ALIPAY_APP_PRIVATE_KEY", "")
ALIPAY_PUBLIC_KEY = env_str("ALIPAY_PUBLIC_KEY", "")
ALIPAY_GATEWAY_URL = env_str("ALIPAY_GATEWAY_URL", "https://openapi.alipay.com/gateway.do")
WECHATPAY_MCHID = env_str("WECHATPAY_MCHID", "")
WECHATPAY_APPID = env_str("WECHATPAY_APPID", "")
WECHATPAY_PRIVATE_KEY = env_str("WECHATPAY_PRIVATE_KEY", "")
WECHATPAY_CERT_SERIAL_NO = env_str("WECHATPAY_CERT_SERIAL_NO", "")
WECHATPAY_APIV3_KEY = env_str("WECHATPAY_APIV3_KEY", "")
WECHATPAY_PUBLIC_KEY = env_str("WECHATPAY_PUBLIC_KEY", "")
WECHATPAY_PUBLIC_KEY_ID = env_str("WECHATPAY_PUBLIC_KEY_ID", "")
WECHATPAY_PLATFORM_KEYS = env_str("WECHATPAY_PLATFORM_KEYS", "")
WECHATPAY_BASE_URL = env_str("WECHATPAY_BASE_URL", "https://api.mch.weixin.qq.com")

# The official account (公众号) whose pages donors open inside WeChat: OAuth for their openid, and the
# server token and JS-SDK ticket for share cards. JSAPI pay needs its appid bound to the merchant.
WECHAT_MP_APPID = env_str("WECHAT_MP_APPID", WECHATPAY_APPID)
WECHAT_MP_SECRET = env_str("WECHAT_MP_SECRET", "")
WECHAT_API_BASE_URL = env_str("WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
WECHAT_OPEN_BASE_URL = env_str("WECHAT_OPEN_BASE_URL", "https://open.weixin.qq.com")
# Static scripts standing in for WeChat's client on pages served to its browser: only the dev and test
# settings set them (the sandbox's, see gateway_sandbox/keys.py); empty means WeChat's own JS-SDK.
WECHAT_STAND_IN_SCRIPTS = []
# Donations: amount bounds (yuan), how long an unpaid order stays open, and rate limits per client.
DONATION_MIN_AMOUNT = env_str("DONATION_MIN_AMOUNT", "1.00")
DONATION_MAX_AMOUNT = env_str("DONATION_MAX_AMOUNT", "50000.00")
DONATION_PENDING_MINUTES = env_int("DONATION_PENDING_MINUTES", 30)
DONATION_CREATE_RATE = env_str("DONATION_CREATE_RATE", "20/h")
DONATION_LOOKUP_RATE = env_str("DONATION_LOOKUP_RATE", "10/h")
# Per order as well as per client: rotating addresses cannot try the 10,000 phone suffixes of one order.
DONATION_LOOKUP_ORDER_RATE = env_str("DONATION_LOOKUP_ORDER_RATE", "10/d")
# 我的捐赠: one-time sign-in codes, limited per phone/e-mail address and per client address.
DONOR_CODE_RATE = env_str("DONOR_CODE_RATE", "5/h")
DONOR_CODE_IP_RATE = env_str("DONOR_CODE_IP_RATE", "20/h")
# The fundraising charity's 统一社会信用代码, printed on certificates and giving pages when 基金信息 (FundSettings)
# leaves it empty; `check --deploy` warns when neither gives a well-formed one (donations.W003, W004).
FOUNDATION_USCC = env_str("FOUNDATION_USCC", "")
# Text messages (donations/sms): aliyun, console (development only) or none (sign in by e-mail or WeChat).
SMS_BACKEND = env_str("SMS_BACKEND", "none")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = env_str("ALIYUN_SMS_SIGN_NAME", "")
ALIYUN_SMS_TEMPLATE_CODE = env_str("ALIYUN_SMS_TEMPLATE_CODE", "")
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
# Gateway notifications: real ones are a few KB; the rate is per address and generous (see donations/ratelimit.py).
NOTIFY_MAX_BYTES = 64 * 1024
NOTIFY_RATE = env_str("NOTIFY_RATE", "6000/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # Wagtail logs every page action at INFO; the demo loader would flood the console.
    # urllib3 logs each request's full URL at DEBUG, and WeChat's API takes the AppSecret, the access_token
    # and the ticket in the query string: it never logs below INFO, whatever the root level.
    "loggers": {"django.request": {"level": "ERROR"}, "wagtail": {"level": "WARNING"},
                "django_tasks": {"level": "WARNING"}, "urllib3": {"level": "INFO"}},
}

# Demo content: `manage.py load_demo` runs these in order; each is idempotent and
# receives a shared context (facts file, pages by name) from the ones before it.
DEMO_FACTS_FILE = PROJECT_DIR / "demo_data" / "fund_reports.json"
DEMO_LOADERS = [
    "cms_pages.demo.load",
    # The Site answers at SITE_BASE_URL, so absolute page addresses point where the demo is served.
    "fundsite.sites.demo_load",
    "ledger.demo.load",
    # After the ledger: each report pins the signed head its figures are computed at.
    "cms_pages.demo.pin_reports",
    "donations.demo.load",
]

# Security headers. Every response, the admin's included, carries a strict Content-Security-Policy:
# scripts only from our own origin or with this response's nonce, never inline or from elsewhere.
_ALIPAY_ORIGIN = "/".join(ALIPAY_GATEWAY_URL.split("/", 3)[:3])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        # Wagtail's live preview frames our own pages; no other site may frame them.
        "frame-ancestors": [SELF],
        # The giving form's answer redirects to the gateway's cashier, and Chromium checks
        # form-action on every redirect of a form submission: Alipay's gateway (and the
        # alipay.com cashier it forwards to) and WeChat Pay's H5 page must be allowed.
        "form-action": [SELF, _ALIPAY_ORIGIN, "https://*.alipay.com", "https://wx.tenpay.com"],
        # QR codes and Wagtail's placeholders are data: URIs.
        "img-src": [SELF, "data:"],
        # Styles only: our bars and Wagtail's admin set widths in style attributes and Wagtail's
        # admin inserts <style> elements. Scripts never get 'unsafe-inline'.
        "style-src": [SELF, UNSAFE_INLINE],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
    },
}
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Nothing on the site uses these browser features, so no script on our pages may either.
# ``payment`` is the Payment Request API, which neither gateway uses: they redirect or show a QR code.
PERMISSIONS_POLICY = {
    feature: [] for feature in (
        "accelerometer", "autoplay", "bluetooth", "camera", "display-capture", "geolocation",
        "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}
PERMISSIONS_POLICY["fullscreen"] = ["self"]
# Pages and API answers about one order are never cached (Cache-Control: private, no-store).
PRIVATE_URL_NAMESPACES = ["donations", "donations_api", "gateway_sandbox"]
PRIVATE_URL_PREFIXES = ["/api/donations/"]
# The admin loads nothing from another host: no Gravatar pictures, no update check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# 举报与意见 (complaints app): the page types that carry the form, and its flood guard:
# (submissions, seconds) per client address and for everyone together.
COMPLAINT_PAGE_MODELS = ["cms_pages.ProjectPage", "donations.CampaignPage"]
COMPLAINTS_RATE_PER_ADDRESS = (5, 3600)
COMPLAINTS_RATE_TOTAL = (300, 3600)
