"""Re-check the whole hash chain; exits non-zero and names every entry that fails."""

from django.core.management.base import BaseCommand, CommandError

from ledger.models import LedgerEntry
from ledger.selectors import chain_verify


class Command(BaseCommand):
    """`manage.py ledger_verify`: the operator's check that nobody rewrote the ledger."""

    help = "Verify the ledger's hash chain and name every altered, missing or inserted entry."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000, help="entries read per query and per progress line")

    def handle(self, *args, chunk_size, **options):
        total = LedgerEntry.objects.count()
        show_progress = options["verbosity"] > 0 and total > chunk_size

        def progress(done):
            self.stderr.write(f"  {done}/{total} ({done * 100 // total}%)")

        result = chain_verify(progress=progress if show_progress else None, chunk_size=chunk_size)
        for problem in result["problems"]:
            where = f"记录 #{problem['id']}" if problem["id"] is not None else "账本"
            self.stdout.write(f"{where}: {problem['label']} ({problem['message']})")
        if result["problems"]:
            raise CommandError(f"账本校验失败：{len(result['problems'])} 处问题，共检查 {result['checked']} 条。")
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"账本完好：{result['checked']} 条，链头 {result['head']}"))
