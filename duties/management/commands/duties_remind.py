from django.core.management.base import BaseCommand

from duties.services import office_reminder_send


class Command(BaseCommand):
    help = "把已逾期和即将到期的信息公开义务发邮件告知基金办公室（DUTIES_OFFICE_EMAIL），每日运行。"

    def handle(self, *args, **options):
        from django.conf import settings

        if not settings.DUTIES_OFFICE_EMAIL:
            self.stdout.write("未设置 DUTIES_OFFICE_EMAIL，未发送。")
            return
        count = office_reminder_send()
        self.stdout.write(f"已发送提醒，共 {count} 项。" if count else "没有逾期或即将到期的义务，未发送。")
