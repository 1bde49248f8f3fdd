"""Verified payment notifications per second over HTTP under gunicorn, and the sequencer's entries per second.

Not a test: a script that needs PostgreSQL and a free port. It migrates the database it is given
(use a scratch one: it adds a benchmark campaign, thousands of paid orders and their entries):

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundsite_bench .venv/bin/python benchmarks/notify_http.py

For each client count (default 1, 8, 32) it serves the site with deploy/gunicorn.conf.py and the
ledger sequencer running beside it, and measures in the same run:
- a trivial view (the baseline), requests per second at that many clients;
- signed Alipay notifications (RSA2 with the sandbox keys, signed before the clock starts), each
  verified and settled: order paid, receipt numbered, ledger record queued. Every answer must be
  "success" and every order paid.
It prints notifications/s and the ratio to the trivial view. Then it queues records directly and
times the sequencer appending them (entries/s, batches of --batch-size), and verifies the chain.
Clients are threads with keep-alive connections on the same machine, so they share its cores.
DATABASE_PREPARED=1 in the environment serves it with prepared statements (see fundsite/settings/base.py),
to measure what they bring in runs taken one after the other.
"""

import argparse
import http.client
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.http_settings"


def _setup_django():
    import django

    django.setup()


def _campaign():
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from wagtail.models import Page, Site

    from cms_pages.models import HomePage
    from donations.models import CampaignPage

    campaign = CampaignPage.objects.filter(slug="bench-notify").first()
    if campaign:
        return campaign
    root = Page.get_first_root_node()
    home = HomePage.objects.filter(slug="bench-home").first() or root.add_child(
        instance=HomePage(title="基准", slug="bench-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "127.0.0.1", "root_page": home})
    return home.add_child(instance=CampaignPage(
        title="基准募捐", slug="bench-notify", intro="基准", goal=Decimal("100000000.00"),
        starts_on=timezone.localdate() - timedelta(days=1),
    ))


def _signed_bodies(campaign, count):
    """``count`` pending orders, each with its notification signed as Alipay signs (not timed)."""
    from django.conf import settings

    from donations.models import Donation, DonationStatus
    from donations.services import donation_create
    from gateway_sandbox.keys import sandbox_keys
    from tests.donations.conftest import alipay_params, alipay_sign

    keys = sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
    bodies = []
    for _ in range(count):
        donation = donation_create(campaign=campaign, amount="100.00", gateway="alipay", channel="page",
                                   donor_name="张三")
        bodies.append(urlencode(alipay_sign(alipay_params(keys, donation), keys.alipay_private_key)).encode())
    Donation.objects.filter(campaign=campaign, status=DonationStatus.CREATED).update(status=DonationStatus.PENDING)
    return bodies


def _drive(port, clients, requests_):
    """Send every (method, path, body) from ``requests_`` over ``clients`` keep-alive connections; seconds, answers."""
    work = queue.SimpleQueue()
    for item in requests_:
        work.put(item)
    answers, lock = [], threading.Lock()
    start_line = threading.Barrier(clients + 1)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        start_line.wait()
        while True:
            try:
                method, path, body = work.get_nowait()
            except queue.Empty:
                break
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            mine.append((response.status, response.read()))
        conn.close()
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, answers


def _cpu_of(pid):
    """User plus system CPU seconds of one process so far (Linux /proc); 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _cpu_groups(server, sequencer):
    """Where a notification's CPU goes, as {group: [pids]}: this run's web workers, the PostgreSQL backends
    serving this run's database (not other databases on the machine), and the sequencer beside them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        backends = [row[0] for row in cursor.fetchall()]
    connection.close()
    return {"gunicorn": [server.pid, *_children(server.pid)], "postgres": backends, "sequencer": [sequencer.pid]}


def _cpu_snapshot(server, sequencer):
    return {name: {pid: _cpu_of(pid) for pid in pids} for name, pids in _cpu_groups(server, sequencer).items()}


def _cpu_spent(before, after):
    """CPU seconds per group between two snapshots; a process born in between counts from its start."""
    return {name: sum(cpu - before[name].get(pid, 0.0) for pid, cpu in pids.items()) for name, pids in after.items()}


def _serve(port, workers, threads=0):
    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{port}", DJANGO_SETTINGS_MODULE="benchmarks.http_settings")
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn and config)
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null",
         "fundsite.wsgi"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    sequencer = subprocess.Popen([sys.executable, "manage.py", "ledger_sequencer", "-v0"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/trivial/")
            if conn.getresponse().status == 200:
                return server, sequencer
        except OSError:
            time.sleep(0.2)
    server.kill()
    sequencer.kill()
    raise SystemExit("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def _sequencer_throughput(count, batch_size):
    from datetime import date
    from decimal import Decimal

    from django.db import models
    from django.utils import timezone

    from ledger.models import EntrySource, PendingEntry
    from ledger.services import sequence_pending

    now = timezone.now().replace(microsecond=0)
    rows = [PendingEntry(kind="donation", amount=Decimal("10.00"), occurred_on=date.today(), memo="基准",
                         source=EntrySource.DONATION, source_ref=f"SEQ-{time.time_ns()}-{n}", queued_at=now) for n in range(count)]
    models.QuerySet(PendingEntry).bulk_create(rows, batch_size=2000)
    began = time.perf_counter()
    done = 0
    while done < count:
        appended = sequence_pending(batch_size=batch_size)
        if not appended:
            break
        done += len(appended)
    return done, time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=1500, help="notifications per client count")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, default=0, help="threads per gunicorn worker (default: the config's)")
    parser.add_argument("--sequence", type=int, default=20000, help="records for the sequencer measurement")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://… to a scratch database.")
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    counts = [int(n) for n in args.clients.split(",")]
    campaign = _campaign()
    print(f"signing {args.requests * len(counts)} notifications …", flush=True)
    bodies = _signed_bodies(campaign, args.requests * len(counts))
    from django.db import connection

    connection.close()
    server, sequencer = _serve(args.port, args.workers, args.threads)
    results = []
    try:
        for index, clients in enumerate(counts):
            mine = bodies[index * args.requests:(index + 1) * args.requests]
            before = _cpu_snapshot(server, sequencer)
            trivial_s, trivial_answers = _drive(args.port, clients, [("GET", "/bench/trivial/", None)] * args.requests)
            trivial_cpu = _cpu_spent(before, _cpu_snapshot(server, sequencer))["gunicorn"] * 1000 / args.requests
            assert all(status == 200 for status, _ in trivial_answers)
            cpu_before = _cpu_snapshot(server, sequencer)
            client_before = time.process_time()
            notify_s, answers = _drive(args.port, clients,
                                       [("POST", "/donations/notify/alipay/", body) for body in mine])
            cpu = {name: ms * 1000 / len(mine) for name, ms in _cpu_spent(cpu_before, _cpu_snapshot(server, sequencer)).items()}
            cpu["client"] = (time.process_time() - client_before) * 1000 / len(mine)
            cpu["gunicorn (trivial view)"] = trivial_cpu
            bad = [answer for answer in answers if answer != (200, b"success")]
            assert not bad, f"{len(bad)} notifications not settled, e.g. {bad[:3]}"
            trivial_rate, notify_rate = args.requests / trivial_s, args.requests / notify_s
            results.append((clients, notify_rate, trivial_rate))
            print(f"{clients:>3} clients: {notify_rate:6.0f} verified notifications/s, trivial view {trivial_rate:6.0f}/s,"
                  f" ratio {notify_rate / trivial_rate:.2f}; CPU ms per notification: "
                  + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items()), flush=True)
    finally:
        server.terminate()
        sequencer.terminate()
        server.wait(timeout=60)
        sequencer.wait(timeout=60)

    from donations.models import Donation, DonationStatus
    from ledger.selectors import chain_verify
    from ledger.services import pending_count, sequence_pending

    while sequence_pending(batch_size=args.batch_size):
        pass
    paid = Donation.objects.filter(campaign=campaign, status=DonationStatus.PAID).count()
    assert paid >= len(bodies), (paid, len(bodies))
    done, seconds = _sequencer_throughput(args.sequence, args.batch_size)
    print(f"sequencer: {done / seconds:.0f} entries/s ({done} in batches of {args.batch_size}, {seconds:.2f} s)")
    result = chain_verify(vouchers=False)
    assert not result["problems"] and pending_count() == 0, result["problems"][:3]
    print(f"chain verifies: {result['checked']} entries")


if __name__ == "__main__":
    main()
