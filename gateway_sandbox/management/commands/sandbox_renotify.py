"""Re-send every sandbox notification whose retry is due (what the task queue does on its schedule)."""

from django.core.management.base import BaseCommand

from gateway_sandbox.tasks import notifications_retry_due, refunds_settle_due


class Command(BaseCommand):
    """For setups without `manage.py db_worker`: deliver due retries once and report."""

    help = "Settle due WeChat refunds, then re-send the sandbox gateway's due, unacknowledged notifications once."

    def handle(self, *args, **options):
        settled = refunds_settle_due.call()
        if settled:
            self.stdout.write(f"{settled} refund(s) settled")
        acknowledged = notifications_retry_due.call()
        self.stdout.write(f"{acknowledged} notification(s) acknowledged")
