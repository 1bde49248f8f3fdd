"""Load the fund's demo content: pages from the published reports, then each app's part."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "载入演示内容（来自基金公开的年度报告）。重复执行不会改变任何内容。"

    def handle(self, *args, **options):
        with open(settings.DEMO_FACTS_FILE, encoding="utf-8") as facts_file:
            context = {"facts": json.load(facts_file)}
        for path in settings.DEMO_LOADERS:
            loader = import_string(path)
            with transaction.atomic():
                loader(context, self.stdout)
        self.stdout.write(self.style.SUCCESS("演示内容已就绪。"))
