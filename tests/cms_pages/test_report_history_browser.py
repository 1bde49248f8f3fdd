"""In a real browser, a corrected figure's history is on the annual report page, read from this host only."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import browser, live_site, phone, save_screenshot  # noqa: F401

pytestmark = pytest.mark.e2e


def test_a_visitor_sees_the_correction_history_of_a_report(live_site, phone):  # noqa: F811
    from django.contrib.auth import get_user_model

    from cms_pages.models import AnnualReportPage
    from cms_pages.services import figure_correct

    report = AnnualReportPage.objects.get(year=2021)
    moderator = get_user_model().objects.create_superuser("e2e-admin", "e2e@example.com", "pw")
    # Test data: a correction the fund never made, undone by the flush after this test.
    figure_correct(report=report, key="raised", new_amount=Decimal("1191516.31"),
                   reason="浏览器测试：示例更正原因", user=moderator)

    hosts = set()
    phone.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    phone.goto(live_site + report.url)
    history = phone.get_by_role("region", name="更正记录（可左右滚动）")
    history.wait_for()
    row = history.get_by_role("row").filter(has_text="浏览器测试：示例更正原因")
    assert row.count() == 1
    text = row.inner_text()
    assert "1191516.30" in text and "1191516.31" in text and "更正" in text and "管理员" in text
    save_screenshot(phone, "annual-report-correction-history-phone")
    assert hosts == {urlsplit(live_site).netloc}
