"""System checks: the working-day table must cover the year complaints are being answered in."""

from datetime import timedelta

from django.core import checks
from django.utils import timezone

from complaints import workdays


@checks.register()
def holiday_table_current(app_configs=None, **kwargs):
    """A warning once today is past the table; a note when due dates will soon reach past it."""
    today = timezone.localdate()
    first, last = workdays.COVERED_YEARS[0], workdays.COVERED_YEARS[-1]
    hint = "在 complaints/workdays.py 中补上国务院办公厅公布的下一年节假日安排。"
    if not workdays.covered(today):
        return [checks.Warning(
            f"举报与意见的节假日表只覆盖 {first}—{last} 年；{today.year} 年的答复期限只跳过周末，未计法定节假日。",
            hint=hint, id="complaints.W001",
        )]
    # Due dates reach up to a fortnight ahead, so next year's table matters from mid-December.
    if not workdays.covered(today + timedelta(days=14)):
        return [checks.Info(
            f"举报与意见的节假日表只覆盖到 {last} 年，年底收到的意见的答复期限将只跳过周末。",
            hint=hint, id="complaints.I001",
        )]
    return []
