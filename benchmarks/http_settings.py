"""Settings for the HTTP benchmark: the test settings' sandbox keys, but served as production serves.

DEBUG off, tasks queued in the database (django_tasks_db, as in production) rather than run inline,
and a trivial view beside the site's own routes for the baseline.
"""

from fundsite.settings.test import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.http_urls"
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
NOTIFY_RATE = "10000000/m"  # counted as usual; the benchmark is one address far above the real rate

# benchmarks/jsapi_orders.py serves the sandbox's WeChat Pay from a second gunicorn, as WeChat Pay is another
# host: a server calling itself ties up its own workers and stalls under load.
if _sandbox_url := __import__("os").environ.get("BENCH_WECHATPAY_BASE_URL"):
    WECHATPAY_BASE_URL = _sandbox_url
