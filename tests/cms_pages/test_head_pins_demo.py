"""The demo's annual reports pin the heads of their years, and 2021 proves it extends 2019.

Its own module: the demo content is loaded once per module and would otherwise leak into the
page-tree fixtures of the other pin tests.
"""

from datetime import date

import pytest

from cms_pages.models import AnnualReportPage, ReportHeadPin
from ledger.signing import public_key_bytes
from ledger.verify_log import head_problems, verify_consistency
from tests.cms_pages.test_head_pins import page_html, proof_blocks

pytestmark = pytest.mark.django_db


def test_the_demo_reports_pin_their_years_heads_and_the_2021_report_proves_it_extends_2019(client, demo_site):
    from ledger.models import LedgerEntry

    sizes = {}
    for year in (2019, 2021):
        report = AnnualReportPage.objects.get(year=year)
        pin = ReportHeadPin.objects.get(page=report)
        assert pin.size == LedgerEntry.objects.filter(occurred_on__lte=date(year, 12, 31)).count()
        assert head_problems(pin.head, public_key_bytes()) == []
        sizes[year] = pin.size
    assert sizes[2019] < sizes[2021]
    html = page_html(client, AnnualReportPage.objects.get(year=2021))
    [block] = proof_blocks(html)
    data = block["data"]
    assert (data["first"], data["second"]) == (sizes[2019], sizes[2021])
    assert verify_consistency(data["first"], data["second"], [bytes.fromhex(h) for h in data["proof"]],
                              bytes.fromhex(data["first_head"]["root_hash"]),
                              bytes.fromhex(data["second_head"]["root_hash"]))
    assert "锁定的树头与日志不符" not in html and "一致性证明不能" not in html
