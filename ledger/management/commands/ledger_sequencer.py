"""Append queued ledger records (paid notifications) to the chain, batch by batch."""

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from ledger.services import DEFAULT_BATCH_SIZE, log_catch_up, sequence_pending


class Command(BaseCommand):
    """`manage.py ledger_sequencer`: runs beside the web server; each batch is one transaction."""

    help = "Append pending ledger records to the hash chain in queue order, exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="sequence until the queue is empty, then exit")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="records per transaction")
        parser.add_argument("--sleep", type=float, default=0.2, help="seconds to wait when the queue is empty")

    def handle(self, *args, once, batch_size, sleep, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 至少为 1。")
        stopping = []
        # A stop between batches finishes the batch in hand; a kill mid-batch rolls it back whole.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        total = 0
        # A ledger recorded before the transparency log existed joins it before anything new is queued on top.
        head = log_catch_up()
        if head is not None and options["verbosity"] > 0:
            self.stdout.write(f"透明日志已补齐至 {head.size} 条并签署树头。")
        while not stopping:
            close_old_connections()
            appended = sequence_pending(batch_size=batch_size)
            total += len(appended)
            if appended and options["verbosity"] > 1:
                self.stdout.write(f"已入账 #{appended[0].id}–#{appended[-1].id}（{len(appended)} 条）")
            if len(appended) == batch_size:
                continue  # more may be waiting: no sleep
            if once:
                break
            time.sleep(sleep)
        if options["verbosity"] > 0 and once:
            self.stdout.write(f"已入账 {total} 条待入账记录。")
