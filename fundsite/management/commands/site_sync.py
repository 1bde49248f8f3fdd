"""Point the default Wagtail Site at SITE_BASE_URL (run after `migrate` on every deploy)."""

from django.core.management.base import BaseCommand, CommandError

from fundsite.sites import default_site_sync


class Command(BaseCommand):
    help = "按 SITE_BASE_URL 设置默认站点的主机名和端口（页面的绝对地址、站点地图和邮件链接由此生成）。"

    def handle(self, *args, **options):
        site = default_site_sync()
        if site is None:
            raise CommandError("还没有默认站点：先执行 migrate，并建立首页。")
        self.stdout.write(f"默认站点：{site.root_url}/")
