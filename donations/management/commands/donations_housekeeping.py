"""Queue the periodic donation work for `manage.py db_worker`; run it from a timer every few minutes."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from donations.gateways import enabled_online_gateways
from donations.tasks import (
    donations_close_stale,
    donations_query_late,
    donor_codes_purge,
    refunds_follow_up_due,
    statement_reconcile,
)


class Command(BaseCommand):
    help = "排队执行：关闭超时订单、查询通知迟到的订单、跟进处理中的退款、清除过期验证码；加 --reconcile 时对前一天的账单对账。"

    def add_arguments(self, parser):
        parser.add_argument("--reconcile", action="store_true", help="同时排队前一天各支付方式的对账")
        parser.add_argument("--day", help="对账日期 YYYY-MM-DD（默认前一天）")

    def handle(self, *args, reconcile=False, day=None, **options):
        queued = [donations_query_late.enqueue(), donations_close_stale.enqueue(), refunds_follow_up_due.enqueue(),
                  donor_codes_purge.enqueue()]
        if reconcile:
            day = day or (timezone.localdate() - timedelta(days=1)).isoformat()
            for gateway in enabled_online_gateways():
                queued.append(statement_reconcile.enqueue(gateway=gateway, day=day))
        for result in queued:
            self.stdout.write(f"已排队 {result.task.name}（{result.id}）")
