"""The deploy/ files work: production settings pass Django's deploy check, gunicorn serves the
site with whitenoise, backups restore into a fresh database, and the units and proxy agree
with the settings they run."""

import base64
import configparser
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from fundsite.settings.env import VARIABLES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="fundsite.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        LEDGER_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        SITE_BASE_URL="https://example.org",
        FOUNDATION_USCC="91350100M000100Y43",  # GB 32100-2015's worked example
    )
    env.update(extra)
    return env


def manage(env, *args, check=True):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=check)


def test_every_setting_read_from_the_environment_is_declared_documented_and_exampled():
    used = set()
    for path in (ROOT / "fundsite" / "settings").glob("*.py"):
        used |= set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z0-9_]+)"', path.read_text()))
    assert used - set(VARIABLES) == set()
    example = (DEPLOY / "env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in VARIABLES:
        assert re.search(rf"^{name}=", example, re.M), f"{name} missing from deploy/env.example"
        assert f"`{name}`" in readme, f"{name} missing from README's configuration reference"


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_deploy_check_warns_without_the_charitys_credit_code(tmp_path):
    env = production_env(tmp_path)
    del env["FOUNDATION_USCC"]
    result = manage(env, "check", "--deploy", check=False)
    assert "donations.W003" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage(env, "check", check=False)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_log_signing_key(tmp_path):
    env = production_env(tmp_path)
    del env["LEDGER_SIGNING_KEY"]
    result = manage(env, "check", check=False)
    assert result.returncode != 0
    assert "LEDGER_SIGNING_KEY must be set" in result.stderr


def test_production_refuses_the_console_sms_backend_which_logs_codes(tmp_path):
    result = manage(production_env(tmp_path, SMS_BACKEND="console"), "check", check=False)
    assert result.returncode != 0
    assert "SMS_BACKEND must be aliyun or none in production" in result.stderr


def test_production_with_aliyun_sms_but_no_access_key_does_not_start(tmp_path):
    result = manage(production_env(tmp_path, SMS_BACKEND="aliyun"), "check", check=False)
    assert result.returncode != 0 and "donations.E005" in result.stdout + result.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_pages_and_hashed_static_files(tmp_path):
    port = free_port()
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="false", GUNICORN_BIND=f"127.0.0.1:{port}",
                         GUNICORN_WORKERS="1", PAYMENT_GATEWAYS="offline")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "fundsite.wsgi"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        login = _get_when_up(f"http://127.0.0.1:{port}/admin/login/")
        assert login.status == 200
        html = login.read().decode()
        css = re.search(r'href="(/static/wagtailadmin/css/core\.[0-9a-f]{12}\.css)"', html)
        assert css, "static files should have hashed names in production"
        static = urllib.request.urlopen(f"http://127.0.0.1:{port}{css.group(1)}", timeout=10)
        assert static.status == 200
        assert "max-age=315360000" in static.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get_when_up(url, attempts=100):
    for _ in range(attempts):
        try:
            return urllib.request.urlopen(url, timeout=10)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer at {url}")


def _database_pair(tmp_path):
    """Two empty databases of the kind the suite runs on: the source and the restore target."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}", lambda: None
    base = url.rsplit("/", 1)[0]
    names = [f"fundsite_backup_{secrets.token_hex(4)}_{side}" for side in "ab"]
    for name in names:
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)

    def drop():
        for name in names:
            subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)

    return f"{base}/{names[0]}", f"{base}/{names[1]}", drop


def test_backup_restores_into_a_fresh_database_with_the_ledger_intact(tmp_path):
    source_url, target_url, drop = _database_pair(tmp_path)
    try:
        source = {**os.environ, "DJANGO_SETTINGS_MODULE": "fundsite.settings.dev",
                  "DATABASE_URL": source_url, "MEDIA_ROOT": str(tmp_path / "media_a"), "PYTHON": sys.executable}
        manage(source, "migrate", "--no-input", "-v0")
        manage(source, "load_demo")
        backup = subprocess.run(["bash", "deploy/backup.sh", str(tmp_path / "backups")], cwd=ROOT, env=source,
                                capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]

        target = {**source, "DATABASE_URL": target_url, "MEDIA_ROOT": str(tmp_path / "media_b")}
        restored = subprocess.run(["bash", "deploy/restore.sh", backup], cwd=ROOT, env=target,
                                  capture_output=True, text=True)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        count = 'from cms_pages.models import ProjectPage; print(ProjectPage.objects.live().count())'
        assert manage(target, "shell", "-c", count).stdout.strip().endswith("41")
        assert any((tmp_path / "media_b" / "original_images").iterdir())

        # A tampered backup is refused before anything is overwritten.
        (Path(backup) / "media.tar.gz").write_bytes(b"tampered")
        tampered = subprocess.run(["bash", "deploy/restore.sh", backup], cwd=ROOT, env=target,
                                  capture_output=True, text=True)
        assert tampered.returncode != 0
        assert "FAILED" in tampered.stdout + tampered.stderr
    finally:
        drop()


def test_systemd_units_run_commands_that_exist():
    commands = get_commands()
    for unit in (DEPLOY / "systemd").glob("*.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(unit)
        exec_start = parser["Service"]["ExecStart"]
        if "manage.py" in exec_start:
            assert exec_start.split("manage.py", 1)[1].split()[0] in commands, unit.name
        if "gunicorn" in exec_start:
            assert "deploy/gunicorn.conf.py" in exec_start and "fundsite.wsgi" in exec_start
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(DEPLOY / "systemd" / "fundsite-scheduled.timer")
    assert timer["Timer"]["OnCalendar"]


def test_nginx_passes_what_the_production_settings_expect():
    conf = (DEPLOY / "nginx.conf").read_text()
    header = re.search(r"proxy_set_header X-Forwarded-Proto \$scheme;", conf)
    assert header, "production trusts X-Forwarded-Proto for HTTPS detection"
    body_limit = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1)) * 1024 * 1024
    assert body_limit > settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_backup_scripts_refuse_to_run_without_a_folder(script):
    result = subprocess.run(["bash", f"deploy/{script}"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "usage" in result.stderr


def test_redis_url_turns_on_the_shared_redis_cache(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fundsite.settings.dev", "REDIS_URL": "redis://127.0.0.1:6379/7",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    token = secrets.token_hex(8)
    script = (f"from django.core.cache import caches; cache = caches['default']; cache.set('probe', '{token}', 30); "
              "print(type(cache).__module__, cache.get('probe'))")
    out = manage(env, "shell", "-c", script).stdout
    assert "django_redis" in out and token in out
    # A second process sees the value: the cache is shared, not per process.
    assert token in manage(env, "shell", "-c", "from django.core.cache import cache; print(cache.get('probe'))").stdout


def test_access_logs_keep_query_strings_and_referers_out():
    """WeChat's OAuth code arrives in the callback's query (and the next page's Referer): no log line has it."""
    nginx = (DEPLOY / "nginx.conf").read_text()
    log_format = re.search(r"log_format fundsite_private (.*?);", nginx, re.S).group(1)
    assert "$uri" in log_format and "$request " not in log_format and "$request_uri" not in log_format
    assert "$args" not in log_format and "$http_referer" not in log_format
    assert "access_log /var/log/nginx/fundsite.access.log fundsite_private;" in nginx
    namespace = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    assert "%(U)s" in namespace["access_log_format"]
    assert not any(f"%({key})s" in namespace["access_log_format"] for key in ("r", "q", "f"))
