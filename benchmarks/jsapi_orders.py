"""JSAPI orders started per second inside WeChat, over HTTP under gunicorn, as a ratio to a trivial view.

Not a test: a script that needs PostgreSQL and a free port. It migrates the database it is given
(use a scratch one: it adds a benchmark campaign and its orders):

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundsite_bench .venv/bin/python benchmarks/jsapi_orders.py

Each client is a donor's WeChat browser (WeChat's user agent, its own cookies) that has done the
official-account OAuth once against the sandbox, so its session holds an openid. Timed, per order:
POST the giving form (the order is placed with payer_openid) → GET the pay page, which asks the sandbox's
WeChat Pay for a prepay_id over HTTP (`POST /v3/pay/transactions/jsapi`, signed both ways) and signs
getBrandWCPayRequest; every answer must carry a paySign. In the same run and with the same clients, a
trivial view gives the baseline. The sandbox's WeChat Pay runs in a second gunicorn (port + 1, 2 workers),
as WeChat Pay is another host; both servers and the clients share the machine's cores.
"""

import argparse
import os
import re
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.50(0x1800323d) NetType/WIFI Language/zh_CN")
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _donor(base, campaign_url):
    """A WeChat browser that has been through OAuth; returns (session, form fields with its CSRF token)."""
    session = requests.Session()
    session.headers["User-Agent"] = WECHAT_UA
    authorize = session.get(f"{base}/wechat/oauth/start/?next=/", timeout=30)
    fields = {k: v.replace("&amp;", "&") for k, v in HIDDEN.findall(authorize.text)}
    fields["action"] = "allow"
    back = session.post(authorize.url, data=fields, headers={"Referer": authorize.url}, timeout=30)
    assert back.ok, back.text[:300]
    page = session.get(base + campaign_url, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session, {"csrfmiddlewaretoken": token, "amount": "10.00", "method": "wechatpay", "anonymous": "on"}


def _drive(donors, per_client, step):
    """Run ``step(session, form)`` ``per_client`` times on each donor at once; seconds and failures."""
    failures, lock = [], threading.Lock()
    start_line = threading.Barrier(len(donors) + 1)

    def client(session, form):
        start_line.wait()
        for _ in range(per_client):
            problem = step(session, form)
            if problem:
                with lock:
                    failures.append(problem)

    threads = [threading.Thread(target=client, args=donor) for donor in donors]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--requests", type=int, default=300, help="orders per client count")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: the config's)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://… to a scratch database.")
    base = f"http://127.0.0.1:{args.port}"
    # Before settings load: the sandbox's addresses (merchant_settings) and callbacks point at this server.
    os.environ.update(SITE_BASE_URL=base, DONATION_CREATE_RATE="100000000/h",
                      DJANGO_SETTINGS_MODULE="benchmarks.http_settings",
                      BENCH_WECHATPAY_BASE_URL=f"http://127.0.0.1:{args.port + 1}/sandbox/wechatpay")
    from benchmarks.notify_http import _campaign, _setup_django

    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    campaign_url = _campaign().url
    connection.close()
    server, log = _serve(args.port, args.workers)
    wechat_pay, wechat_pay_log = _serve(args.port + 1, 2)  # WeChat Pay's side, on its own server

    def trivial(session, form):
        answer = session.get(f"{base}/bench/trivial/", timeout=60)
        return None if answer.status_code == 200 else f"trivial {answer.status_code}"

    def order(session, form):
        give = session.post(f"{base}/donate/{campaign_id}/", data=form, headers={"Referer": base + campaign_url},
                            timeout=60)
        if give.status_code == 200 and "data-pay-sign=" in give.text:
            return None
        text = re.sub(r"<[^>]+>|\s+", " ", give.text)
        return f"order {give.status_code}: {text[-300:]}"

    from donations.models import CampaignPage

    campaign_id = CampaignPage.objects.get(slug="bench-notify").pk
    connection.close()
    try:
        for clients in (int(n) for n in args.clients.split(",")):
            donors = [_donor(base, campaign_url) for _ in range(clients)]
            per_client = max(1, args.requests // clients)
            order(*donors[0])  # warm the worker's gateway client (RSA keys parsed once per process)
            trivial_s, bad = _drive(donors, per_client, trivial)
            assert not bad, bad[:3]
            order_s, bad = _drive(donors, per_client, order)
            assert not bad, f"{len(bad)} orders failed, e.g. {bad[:3]}"
            total = per_client * clients
            order_rate, trivial_rate = total / order_s, total / trivial_s
            print(f"{clients:>3} clients: {order_rate:6.1f} JSAPI orders started/s, trivial view {trivial_rate:6.0f}/s,"
                  f" ratio {order_rate / trivial_rate:.3f}", flush=True)
    finally:
        for process, file in ((server, log), (wechat_pay, wechat_pay_log)):
            process.terminate()
            process.wait(timeout=60)
            file.close()


def _serve(port, workers):
    """gunicorn with deploy/gunicorn.conf.py; its log goes to a file (a pipe nobody reads would fill and stall it)."""
    import subprocess
    import tempfile

    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{port}")
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    log = tempfile.NamedTemporaryFile(prefix="jsapi-bench-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn and config)
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null",
         "fundsite.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    print(f"gunicorn log: {log.name}", flush=True)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/bench/trivial/", timeout=2).status_code == 200:
                return server, log
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {log.name}")


if __name__ == "__main__":
    main()
