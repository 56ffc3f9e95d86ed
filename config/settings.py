"""Kuaimai settings, read from the environment (see .env.example for every variable).

Two modes:
- embedded (DATABASE_URL / REDIS_URL unset): SQLite, fakeredis, inline Celery tasks,
  in-memory channel layer. For trying the shop on a laptop.
- full: PostgreSQL, Redis (cache, broker, channel layer, app state on separate logical
  databases), real Celery worker and beat.
"""

import hashlib
import ipaddress
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (or DEBUG=true for "
            "local development only)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Modes -------------------------------------------------------------------------------

DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED_DB = not DATABASE_URL
EMBEDDED_REDIS = not REDIS_URL
EMBEDDED = EMBEDDED_DB and EMBEDDED_REDIS

# --- Applications --------------------------------------------------------------------------

INSTALLED_APPS = [
    # daphne first: its runserver serves HTTP and websockets in development.
    "daphne",
    # Before the admin: its TranslationAdmin edits every language of a field on one page.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "accounts",
    "delivery",
    "catalog",
    "carts",
    "orders",
    "payments",
    "seckill",
    "marketing",
    "reviews",
    # Project-wide plumbing, an app only for its management commands (worker_health).
    "config",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    # Counts, times and logs each request by route (config.access); early, to time the rest.
    "config.access.AccessMiddleware",
    # A view that needs Redis or PostgreSQL while it is down answers 503 (config.outage).
    "config.outage.OutageMiddleware",
    "catalog.cache.CatalogRequestMemo",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switch's cookie, else Accept-Language, else LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before every view (request.user is set for the error pages): NUL bytes refused here.
    "config.edge.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["config.template_filters"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.site",
                "catalog.context_processors.header",
                "carts.context_processors.cart",
                "orders.context_processors.messages_badge",
                "marketing.context_processors.points_badge",
                "payments.context_processors.payment_methods",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------

if EMBEDDED_DB:
    SQLITE_PATH = Path(env.str("SQLITE_PATH", default=str(BASE_DIR / "var" / "db.sqlite3")))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
    # SQLite keeps no unique constraint whose NULLs count as equal (a limited-time price for
    # "every SKU" once per promotion and product); forms still check it (validate_constraints),
    # and the demo shop is one merchant. PostgreSQL keeps it.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
else:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Persistent connections (psycopg 3); health checks drop a connection the server closed.
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
        DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
    # The password from a file (a compose or Kubernetes secret) rather than in DATABASE_URL.
    DATABASE_PASSWORD_FILE = env.str("DATABASE_PASSWORD_FILE", default="")
    if DATABASE_PASSWORD_FILE:
        DATABASES["default"]["PASSWORD"] = Path(DATABASE_PASSWORD_FILE).read_text().strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis -------------------------------------------------------------------------------
# REDIS_URL names the server and a base logical database N; the four uses sit on N..N+3 so a
# cache flush never touches carts or seckill state. Each can be overridden by its own URL.


def _redis_db_url(base: str, offset: int) -> str:
    parts = urlsplit(base)
    path = parts.path.strip("/")
    base_db = int(path) if path.isascii() and path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{base_db + offset}"))


if REDIS_URL.startswith("redis+cluster://"):
    raise ImproperlyConfigured(
        "REDIS_URL must name a standalone Redis (the cache, the broker and the channel layer "
        "have no cluster client); put a Redis Cluster in REDIS_STATE_URL."
    )
if EMBEDDED_REDIS:
    REDIS_CACHE_URL = REDIS_BROKER_URL = REDIS_CHANNELS_URL = REDIS_STATE_URL = ""
else:
    REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=_redis_db_url(REDIS_URL, 0))
    REDIS_BROKER_URL = env.str("CELERY_BROKER_URL", default=_redis_db_url(REDIS_URL, 1))
    REDIS_CHANNELS_URL = env.str("REDIS_CHANNELS_URL", default=_redis_db_url(REDIS_URL, 2))
    REDIS_STATE_URL = env.str("REDIS_STATE_URL", default=_redis_db_url(REDIS_URL, 3))

# Clients for app state (rate limits, carts, seckill) come from config.redis.get_redis(),
# which hands out fakeredis (with Lua) in embedded mode.
# A dead Redis must cost milliseconds, not seconds: short timeouts, one quick reconnect (a
# pooled connection a restart closed), and after a failure each process leaves that server
# alone for REDIS_BREAKER_SECONDS (config.metrics.hooks), failing open or answering 503.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=1.0)
# While a part is down: one log line per OUTAGE_LOG_INTERVAL seconds and use (the metric
# counts each), and the Retry-After of a 503 (config.outage).
OUTAGE_LOG_INTERVAL = env.float("OUTAGE_LOG_INTERVAL", default=60.0)
OUTAGE_RETRY_AFTER = env.int("OUTAGE_RETRY_AFTER", default=5)

if EMBEDDED_REDIS:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kuaimai",
        }
    }
else:
    CACHES = {
        "default": {
            # django-redis failing open: reads miss and writes are skipped while Redis is
            # down, and what could not be written is put right when it is back.
            "BACKEND": "config.cache_backend.FailOpenRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "km",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 1)},
                # redis.Redis that counts real failures (kuaimai_redis_errors_total) and
                # skips a server that just failed.
                "REDIS_CLIENT_CLASS": "config.metrics.hooks.CountingCacheRedis",
            },
        }
    }

# --- Channels ----------------------------------------------------------------------------

if EMBEDDED_REDIS:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_CHANNELS_URL], "prefix": "km-ws"},
        }
    }

# --- Celery ------------------------------------------------------------------------------

# Embedded: an in-memory broker that eager tasks never use (its host named, or kombu warns
# "No hostname was supplied" at each start).
CELERY_BROKER_URL = "memory://localhost/" if EMBEDDED_REDIS else REDIS_BROKER_URL
# Embedded mode has no worker: tasks run inline, errors propagate to the caller.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=EMBEDDED_REDIS)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=30)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "seckill.tasks.*": {"queue": "seckill"},
    "payments.tasks.*": {"queue": "payments"},
}
# No task waits unacknowledged in a worker longer than this (seconds): a countdown due later
# hops (config.countdown), so it stays well under RabbitMQ's consumer_timeout (30 min by
# default) and Redis' visibility timeout below, after which Redis hands a held message to
# another worker (and returns one a worker lost with its connection).
CELERY_MAX_COUNTDOWN = env.int("CELERY_MAX_COUNTDOWN", default=5 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=2 * CELERY_MAX_COUNTDOWN + CELERY_TASK_TIME_LIMIT
    ),
    # kombu looks for such messages every 10 s but by default scans only every 10th look
    # (100 s); every look costs one ZRANGE per worker, so each one scans.
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker never gives up on its broker: it retries (2 s more each time, at most 30 s apart)
# for as long as the outage lasts, then consumes again.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# kombu's Redis transport with its restore-on-connection-loss crash fixed (config.broker).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
# Task logs go through LOGGING below, so they carry the request id of whoever queued them.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
CELERY_BEAT_SCHEDULE = {
    "accounts-flush-expired-tokens": {
        "task": "accounts.tasks.flush_expired_tokens_task",
        "schedule": timedelta(hours=6),
    },
    # Backstop for the per-order countdown: close unpaid orders past their deadline.
    "orders-close-unpaid": {
        "task": "orders.tasks.orders_close_overdue_task",
        "schedule": timedelta(minutes=1),
    },
    "orders-auto-complete": {
        "task": "orders.tasks.orders_auto_complete_task",
        "schedule": timedelta(hours=1),
    },
    # Payments whose notification never came: ask the gateway.
    "payments-query-stale": {
        "task": "payments.tasks.payments_query_stale_task",
        "schedule": timedelta(minutes=2),
    },
    # Points: pending ones become usable once their order's after-sales window has closed;
    # batches past their date expire (both idempotent).
    "points-release": {
        "task": "marketing.tasks.points_release_due_task",
        "schedule": timedelta(minutes=10),
    },
    "points-expire": {
        "task": "marketing.tasks.points_expire_due_task",
        "schedule": timedelta(hours=1),
    },
    # Flash sales: published ones start at their time, and end (units back) at theirs.
    "seckill-advance": {
        "task": "seckill.tasks.events_advance_task",
        "schedule": timedelta(minutes=1),
    },
    # Reviews: received orders' lines not reviewed in time get the default rating.
    "reviews-default": {
        "task": "reviews.tasks.reviews_give_default_task",
        "schedule": timedelta(hours=1),
    },
    # 拼团: campaigns end at their time, groups are decided at their deadline (the backstop
    # of each group's timer), failed groups' members still waiting are queued again.
    "groupbuy-sweep": {
        "task": "marketing.tasks.groupbuy_sweep_task",
        "schedule": timedelta(minutes=1),
    },
    # Warm-up before the start, reminders, and the gate rebuilt where it drifted.
    "seckill-prepare": {
        "task": "seckill.tasks.events_prepare_task",
        "schedule": timedelta(minutes=1),
    },
    # Admissions become orders (the seckill_consume process does it at once; this is the
    # backstop, and the consumer of embedded mode).
    "seckill-drain": {
        "task": "seckill.tasks.events_drain_task",
        "schedule": timedelta(seconds=2),
        "options": {"expires": 2},
    },
}

# --- Auth --------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.IdentifierBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout: failures counted per account and per client IP in a sliding window.
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env.int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", default=5)
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=20)
ADDRESS_LIMIT_PER_USER = 20
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)

# Which proxy header carries the client address (e.g. HTTP_X_FORWARDED_FOR behind nginx).
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")

# WeChat mini-program login (code2Session). The base URL is a setting so tests can point it
# at a local simulated server.
WECHAT_MINIPROGRAM_APPID = env.str("WECHAT_MINIPROGRAM_APPID", default="")
WECHAT_MINIPROGRAM_SECRET = env.str("WECHAT_MINIPROGRAM_SECRET", default="")
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHAT_API_TIMEOUT = env.float("WECHAT_API_TIMEOUT", default=5.0)
# Subscribe messages (订阅消息) to shoppers signed in through the mini-program: per message
# kind (paid, shipped, grouping, group_succeeded, group_failed, group_full …) the template
# the merchant picked and which of its keywords gets what, as JSON, e.g.
# {"group_succeeded": {"id": "TEMPLATE_ID", "data": {"thing1": "product",
#  "amount2": "total", "thing3": "title"}}} (values: product, total, order_no, title, time).
# Empty: none are sent.
WECHAT_SUBSCRIBE_TEMPLATES = env.json("WECHAT_SUBSCRIBE_TEMPLATES", default={})
WECHAT_MINIPROGRAM_STATE = env.str("WECHAT_MINIPROGRAM_STATE", default="formal")

# Catalog: image uploads and cache lifetimes (seconds). Stock shown to shoppers is read through
# its own short cache, so it is never older than CATALOG_STOCK_CACHE_SECONDS.
CATALOG_IMAGE_MAX_BYTES = env.int("CATALOG_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
CATALOG_LIST_CACHE_SECONDS = env.int("CATALOG_LIST_CACHE_SECONDS", default=5 * 60)
CATALOG_DETAIL_CACHE_SECONDS = env.int("CATALOG_DETAIL_CACHE_SECONDS", default=10 * 60)
CATALOG_STOCK_CACHE_SECONDS = env.int("CATALOG_STOCK_CACHE_SECONDS", default=5)
# How long a signed-in shopper's "recently viewed" list lives without a new view.
RECENTLY_VIEWED_DAYS = env.int("RECENTLY_VIEWED_DAYS", default=90)
# Search-box suggestions; also the browser's max-age for them.
CATALOG_SUGGEST_CACHE_SECONDS = env.int("CATALOG_SUGGEST_CACHE_SECONDS", default=60)
# PostgreSQL text-search configuration for product search ("english" stems English words and
# keeps other words, such as Chinese names, as they are).
CATALOG_SEARCH_CONFIG = env.str("CATALOG_SEARCH_CONFIG", default="english")

# Carts and orders. Money settings are decimal strings.
CART_TTL_SECONDS = env.int("CART_TTL_SECONDS", default=7 * 24 * 3600)
CART_LINE_MAX_QUANTITY = env.int("CART_LINE_MAX_QUANTITY", default=99)
CART_MAX_LINES = env.int("CART_MAX_LINES", default=100)
ORDER_FREE_SHIPPING_THRESHOLD = Decimal(env.str("ORDER_FREE_SHIPPING_THRESHOLD", default="99.00"))
ORDER_SHIPPING_FEE = Decimal(env.str("ORDER_SHIPPING_FEE", default="10.00"))
# Delivery slots: orders placed after the cut-off (HH:MM, the shop's time zone) choose from
# the day after tomorrow on, before it from tomorrow; this many days are offered.
DELIVERY_SLOT_CUTOFF = env.str("DELIVERY_SLOT_CUTOFF", default="22:00")
DELIVERY_SLOT_DAYS = env.int("DELIVERY_SLOT_DAYS", default=7)
# How long the price stages keep the promotions' rules (each rule's window is checked against
# the clock every time, and an edit drops them at once).
PROMOTION_RULES_CACHE_SECONDS = env.int("PROMOTION_RULES_CACHE_SECONDS", default=60)
# Seconds an order may stay unpaid before it is cancelled and its stock returned.
ORDER_PAY_TIMEOUT = env.int("ORDER_PAY_TIMEOUT", default=30 * 60)

# Flash sales (seconds unless named otherwise). See README "Flash sales".
SECKILL_PAY_TIMEOUT = env.int("SECKILL_PAY_TIMEOUT", default=5 * 60)
SECKILL_TOKEN_SECONDS = env.int("SECKILL_TOKEN_SECONDS", default=60)
SECKILL_WARMUP_BEFORE = env.int("SECKILL_WARMUP_BEFORE", default=5 * 60)
SECKILL_REMIND_BEFORE = env.int("SECKILL_REMIND_BEFORE", default=5 * 60)
SECKILL_END_GRACE = env.int("SECKILL_END_GRACE", default=10 * 60)
# Reserve attempts per second per shopper and per client IP (per event), in the gate.
SECKILL_RATE_PER_USER = env.int("SECKILL_RATE_PER_USER", default=5)
SECKILL_RATE_PER_IP = env.int("SECKILL_RATE_PER_IP", default=200)
# The consumer's longest wait between tries while Redis or the database is down (seconds).
SECKILL_CONSUMER_MAX_BACKOFF = env.float("SECKILL_CONSUMER_MAX_BACKOFF", default=10.0)
SECKILL_SOLD_OUT_CACHE_SECONDS = env.float("SECKILL_SOLD_OUT_CACHE_SECONDS", default=2.0)
# The consumer: an entry left unacknowledged this long (ms) is reclaimed from its consumer;
# after this many deliveries it goes to the dead-letter stream.
SECKILL_CLAIM_IDLE_MS = env.int("SECKILL_CLAIM_IDLE_MS", default=30_000)
SECKILL_MAX_ATTEMPTS = env.int("SECKILL_MAX_ATTEMPTS", default=3)

# After-sales: days after an order completes during which goods may be returned, and the
# largest photo a shopper may attach (jpg, png or webp; at most three per request).
AFTERSALE_DAYS = env.int("AFTERSALE_DAYS", default=7)
AFTERSALE_PHOTO_MAX_BYTES = env.int("AFTERSALE_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)

# Reviews (评价): a received order's lines not reviewed within this many days get a default
# positive rating (beat); a follow-up (追评) is taken this many days from receipt; photos.
REVIEW_DEFAULT_DAYS = env.int("REVIEW_DEFAULT_DAYS", default=15)
REVIEW_FOLLOW_UP_DAYS = env.int("REVIEW_FOLLOW_UP_DAYS", default=90)
REVIEW_PHOTO_MAX_BYTES = env.int("REVIEW_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)

# Days after shipping before an order completes by itself.
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=10)

# --- Payments --------------------------------------------------------------------------------

# The methods shoppers may choose, in order. The sandbox makes orders paid without money, so
# it is on by default only in development (DEBUG); list it explicitly to demo it elsewhere.
PAYMENTS_PROVIDERS = [name for name in env.list("PAYMENTS_PROVIDERS", default=[]) if name] or (
    ["sandbox"] if DEBUG else []
)
# The sandbox signs its notifications with this (HMAC-SHA256); empty: derived from SECRET_KEY.
PAYMENTS_SANDBOX_SECRET = (
    env.str("PAYMENTS_SANDBOX_SECRET", default="")
    or hashlib.sha256(f"sandbox:{SECRET_KEY}".encode()).hexdigest()
)
PAYMENTS_SANDBOX_MERCHANT = env.str("PAYMENTS_SANDBOX_MERCHANT", default="sandbox-merchant")
# Where gateways reach this shop (https://shop.example.com); empty: the address the shopper's
# browser used. Real providers need it public; the sandbox posts to it from the server.
PAYMENTS_NOTIFY_BASE_URL = env.str("PAYMENTS_NOTIFY_BASE_URL", default="")
# Deliver every sandbox notification twice, to watch idempotency at work.
PAYMENTS_SANDBOX_DUPLICATES = env.bool("PAYMENTS_SANDBOX_DUPLICATES", default=False)
# Refuse every sandbox refund (as a gateway short of funds would), to watch a retry.
PAYMENTS_SANDBOX_REFUNDS_FAIL = env.bool("PAYMENTS_SANDBOX_REFUNDS_FAIL", default=False)
# Callbacks that fail verification are kept for the log: at most this much of each body, and
# at most this many a minute from one address (more are answered 429 and only counted).
PAYMENTS_REFUSED_KEEP_BYTES = env.int("PAYMENTS_REFUSED_KEEP_BYTES", default=2048)
PAYMENTS_REFUSED_PER_MINUTE = env.int("PAYMENTS_REFUSED_PER_MINUTE", default=20)

# WeChat Pay API v3, direct merchant, public-key mode (list "wechatpay" in PAYMENTS_PROVIDERS).
# Keys are files outside the repository: the merchant's API private key (apiclient_key.pem)
# and WeChat Pay's platform public key (pub_key.pem) with its id (PUB_KEY_ID_...).
WECHATPAY_MCHID = env.str("WECHATPAY_MCHID", default="")
WECHATPAY_APPID = env.str("WECHATPAY_APPID", default="") or WECHAT_MINIPROGRAM_APPID
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_PRIVATE_KEY_FILE = env.str("WECHATPAY_PRIVATE_KEY_FILE", default="")
WECHATPAY_PUBLIC_KEY_FILE = env.str("WECHATPAY_PUBLIC_KEY_FILE", default="")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_GATEWAY = env.str("WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com")
WECHATPAY_TIMEOUT = env.float("WECHATPAY_TIMEOUT", default=10.0)

# Alipay open platform, RSA2 with public keys (list "alipay" in PAYMENTS_PROVIDERS). Keys are
# files: the app's private key and Alipay's public key (支付宝公钥), both PEM.
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_SELLER_ID = env.str("ALIPAY_SELLER_ID", default="")  # the merchant's PID, 2088...
ALIPAY_PRIVATE_KEY_FILE = env.str("ALIPAY_PRIVATE_KEY_FILE", default="")
ALIPAY_PUBLIC_KEY_FILE = env.str("ALIPAY_PUBLIC_KEY_FILE", default="")
ALIPAY_GATEWAY = env.str("ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do")
ALIPAY_TIMEOUT = env.float("ALIPAY_TIMEOUT", default=10.0)

# --- API ---------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["config.renderers.SafeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonThrottle",
        "config.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_RATE_ANON", default="120/min"),
        "user": env.str("THROTTLE_RATE_USER", default="600/min"),
        "register": env.str("THROTTLE_RATE_REGISTER", default="20/hour"),
        "wechat_login": env.str("THROTTLE_RATE_WECHAT_LOGIN", default="30/min"),
    },
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a hash of the password: changing it invalidates every access token.
    "CHECK_REVOKE_TOKEN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kuaimai API",
    "DESCRIPTION": "JSON API of the Kuaimai shop for mini-program and app clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "PaymentStatusEnum": "payments.models.PaymentStatus",
        "PaymentProviderEnum": "payments.models.Provider",
        "AfterSaleStatusEnum": "payments.models.AfterSaleStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_unsupported_media_type",
    ],
}

# --- I18n --------------------------------------------------------------------------------

# The shop's language when a visitor has not chosen one and their browser asks for neither.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
# Each language is named in itself, so a visitor can find theirs whatever is showing.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Catalog content (names, subtitles, descriptions) in both languages; an empty one shows
# the other language's text (django-modeltranslation).
MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hans"
MODELTRANSLATION_LANGUAGES = ("zh-hans", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("zh-hans", "en")}
# Our date formats: 2026年11月22日 14:05 in zh-hans, 24-hour times in English too.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media --------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Media folders never served by their address (nginx: internal locations; DEBUG: config/media.py):
# refund photos, shown only through the view that checks who asks.
MEDIA_PRIVATE_PREFIXES = ("aftersales/",)
# Behind nginx (config/deploy/nginx.conf): refund photos are handed out by X-Accel-Redirect
# to its internal /media/aftersales/ location instead of streamed by the web process.
MEDIA_ACCEL_REDIRECT = env.bool("MEDIA_ACCEL_REDIRECT", default=False)

# S3-compatible media storage through django-storages when a bucket is configured.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # Hashed, compressed files from collectstatic in production; plain files otherwise.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email -------------------------------------------------------------------------------

# Development prints mail on the console. Elsewhere mail goes to EMAIL_HOST by SMTP; with no
# EMAIL_HOST set it is not sent, and the log says so with the subject only (config/mail.py):
# a password-reset link or an address must never reach a log.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "config.mail.RedactedLogBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kuaimai <noreply@kuaimai.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ----------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
# Sessions are read from the cache (Redis) and written through to the database: a signed-in
# page costs no session query, and a flushed cache loses no one's login.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Logging -----------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Production (DEBUG off): one JSON object per line; development: readable lines
# (config/logs.py). Either way secrets are redacted and the request id is on every line.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or console.")
# One access line per request (config.access): route, status, duration, user. Off by
# default in development, where runserver prints its own.
ACCESS_LOG = env.bool("ACCESS_LOG", default=not DEBUG)

from config.logs import logging_config  # noqa: E402 (no Django in it)

# One line per request: Django's own "django" console handler would print every django.*
# record a second time next to the root's, and "Not Found" warnings would double the
# access line. Server errors (5xx) are still logged with their traceback.
LOGGING = logging_config(
    LOG_FORMAT,
    LOG_LEVEL,
    {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "INFO"},
    },
)

# --- Operations --------------------------------------------------------------------------

# /metrics answers a client at one of these addresses or networks (REMOTE_ADDR, not a proxy
# header), or one sending "Authorization: Bearer <METRICS_TOKEN>"; anyone else gets a 404.
# Embedded mode opens it to this machine; the full stack to nobody until you say.
METRICS_ALLOWED_IPS = env.list(
    "METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"] if EMBEDDED else []
)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Each scrape pings the Celery workers (kuaimai_celery_workers_alive) and waits this long.
METRICS_WORKER_PING_TIMEOUT = env.float("METRICS_WORKER_PING_TIMEOUT", default=1.0)
try:
    for _network in METRICS_ALLOWED_IPS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from exc

# --- Site --------------------------------------------------------------------------------

# Empty: the shop's name in the page's language (快买 / Kuaimai).
SITE_NAME = env.str("SITE_NAME", default="")
