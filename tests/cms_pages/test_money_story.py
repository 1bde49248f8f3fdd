"""The money story as a citizen reads it on the demo site: nothing reads as "got nothing" or fails to add up."""

import re
from decimal import Decimal

import pytest

from cms_pages.models import AnnualReportPage, ProjectPage, ProjectStatus
from ledger.selectors import raised_not_disbursed

pytestmark = pytest.mark.django_db

UNPUBLISHED = "年度报告未公布该项目的分项金额"


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_project_without_its_own_figures_says_so_instead_of_zero(demo_site, client):
    page = ProjectPage.objects.get(title="灵星自闭症大龄青年手工技能培训基地")
    html = text(client, page.url)
    assert UNPUBLISHED in html
    assert "0.00</strong>批准资助" not in html and "0.00</strong>已拨付" not in html
    # Its category's published sum is shown, as spent.
    assert "关爱儿童" in html and "投入（已支出） 113,746.00" in html


def test_no_demo_project_page_shows_zero_approved_paid_or_owed(demo_site, client):
    zero = re.compile(r"<strong>0\.00</strong>(批准资助|已拨付|应付未付)")
    pages = list(ProjectPage.objects.live())
    assert len(pages) == 41
    for page in pages:
        html = text(client, page.url)
        assert not zero.search(html), page.title
        assert UNPUBLISHED in html or "报告载明的已立项未支付" in html, page.title


def test_qingxu_shows_what_the_report_states_and_not_its_unpublished_totals(demo_site, client):
    html = text(client, ProjectPage.objects.get(title="清徐新时代文明实践平台").url)
    assert "52,116.00</strong>报告载明的已立项未支付" in html
    assert html.count("报告未公布</strong>") == 2


def cards(html):
    return dict(re.findall(r'ledger-card--(\w+)"><strong>([\d,.]+)</strong>', html))


def test_2021_report_cards_show_the_opening_payable_and_add_up(demo_site, client):
    html = text(client, AnnualReportPage.objects.get(year=2021).url)
    values = {name: Decimal(value.replace(",", "")) for name, value in cards(html).items()}
    assert values == {
        "opening_payable": Decimal("1396044.10"), "raised": Decimal("1191516.30"),
        "approved": Decimal("1767035.27"), "disbursed": Decimal("2391193.17"), "payable": Decimal("771886.20"),
    }
    assert values["opening_payable"] + values["approved"] - values["disbursed"] == values["payable"]
    assert "期初应付 1,396,044.10 + 批准 1,767,035.27 − 拨付 2,391,193.17 = 期末应付未付 771,886.20" in html


def marked(html):
    """Card name → its mark: 'inferred', 'published' or ''."""
    result = {}
    for name, body in re.findall(r'ledger-card--(\w+)">(.*?)</li>', html, re.S):
        result[name] = "inferred" if "依据报告推断" in body else "published" if "报告公布" in body else ""
    return result


def test_inferred_report_figures_carry_their_mark_on_the_page(demo_site, client):
    marks_2021 = marked(text(client, AnnualReportPage.objects.get(year=2021).url))
    assert marks_2021 == {"opening_payable": "inferred", "raised": "published", "approved": "inferred",
                          "disbursed": "published", "payable": "published"}
    marks_2019 = marked(text(client, AnnualReportPage.objects.get(year=2019).url))
    assert marks_2019 == {"opening_payable": "inferred", "raised": "published", "approved": "published",
                          "disbursed": "published", "payable": "inferred"}


@pytest.mark.parametrize("year", [2019, 2021])
def test_report_ratios_are_shown_with_thresholds_and_say_why_not_computable(demo_site, client, year):
    html = text(client, AnnualReportPage.objects.get(year=year).url)
    assert "≥ 70%" in html and "≤ 10%" in html
    assert html.count("未能依据已公开记录计算") == 3
    assert f"账本中没有 {year - 1} 年的记录" in html or "未分年度" in html


def test_raised_not_yet_paid_out_on_fund_and_home(demo_site, client):
    totals = raised_not_disbursed()
    expected = Decimal("6500200.00") + Decimal("1191516.30") - Decimal("1377184.90") - Decimal("2391193.17")
    assert totals["undisbursed"] == expected
    shown = f"{expected:,.2f}</strong>已募集尚未拨付"
    assert shown in text(client, "/fund/")
    assert shown in text(client, "/")


def test_home_counts_add_up_to_the_number_of_projects(demo_site, client):
    html = text(client, "/")
    stats = dict((label, int(n)) for n, label in re.findall(r"<li><strong>(\d+)</strong><span>([^<]+)</span></li>", html))
    assert stats["资助项目"] == ProjectPage.objects.live().count() == 41
    statuses = [stats.get(label, 0) for label in ("申报中", "已立项", "执行中", "已结项")]
    assert sum(statuses) == 41
    assert stats["已立项"] == ProjectPage.objects.live().filter(status=ProjectStatus.APPROVED).count() == 11
