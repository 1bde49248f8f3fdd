"""The template tags the content pages use, and the public fund page."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from wagtail.documents.models import Document

from cms_pages.models import AnnualReportPage, PublishedFigure
from ledger.models import EntryKind, EntrySource, LedgerEntry
from ledger.templatetags.ledger_tags import yuan

pytestmark = pytest.mark.django_db


def render(source, **context):
    return Template("{% load ledger_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "shown"), [(Decimal("1234567.5"), "1,234,567.50"), (Decimal("0"), "0.00"), (None, "—")]
)
def test_yuan_filter(value, shown):
    assert yuan(value) == shown


def test_project_fund_flow_lists_disbursements_with_vouchers(post, project, tmp_path, settings):
    from django.core.files.base import ContentFile

    voucher = Document.objects.create(title="拨付凭证", file=ContentFile(b"%PDF-1.4 test", name="voucher.pdf"))
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id, memo="2021 年度立项批准")
    post(EntryKind.DISBURSEMENT, "1200.50", project_id=project.id, occurred_on=date(2021, 7, 1), voucher=voucher)
    html = render("{% project_fund_flow page %}", page=project)
    assert "5,000.00" in html and "1,200.50" in html and "3,799.50" in html
    assert "批准记录" in html and "2021 年度立项批准" in html
    assert "2021-07-01" in html
    # The voucher shows as sealed, by its SHA-256; the file itself is not linked for the public.
    entry = LedgerEntry.objects.get(kind=EntryKind.DISBURSEMENT)
    assert entry.voucher_sha256 == hashlib.sha256(b"%PDF-1.4 test").hexdigest()
    assert voucher.url not in html and f"/documents/{voucher.pk}/" not in html
    assert entry.voucher_sha256[:12] in html


def test_project_fund_flow_query_count_does_not_grow_with_disbursements(
    post, project, django_assert_max_num_queries
):
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id)
    post(EntryKind.DISBURSEMENT, "1.00", project_id=project.id)
    with django_assert_max_num_queries(3):
        render("{% project_fund_flow page %}", page=project)
    for _ in range(20):
        post(EntryKind.DISBURSEMENT, "1.00", project_id=project.id)
    with django_assert_max_num_queries(3):
        render("{% project_fund_flow page %}", page=project)


def test_fund_flow_summary(post):
    post(EntryKind.DONATION, "100.00")
    html = render("{% fund_flow_summary %}")
    assert "100.00" in html and 'href="/fund/"' in html


@pytest.fixture
def report_2021(disclosure_index):
    page = AnnualReportPage(title="2021 年度工作报告", slug="2021", year=2021)
    page.published_figures.add(PublishedFigure(key="raised", label="年度募集资金", amount=Decimal("1191516.30")))
    page.published_figures.add(PublishedFigure(key="disbursed", label="拨付", amount=Decimal("10.00")))
    page.published_figures.add(PublishedFigure(key="projects-closed", label="已结项项目", count=10))
    disclosure_index.add_child(instance=page)
    return page


def test_annual_report_figures_show_matches_and_differences_openly(post, report_2021):
    post(EntryKind.DONATION, "1191516.30", occurred_on=date(2021, 12, 31), source=EntrySource.DONATION, source_ref="X")
    html = render("{% annual_report_figures page %}", page=report_2021)
    assert "1,191,516.30" in html and "一致" in html
    # Published 10.00 disbursed, ledger 0.00: the difference of −10.00 is shown.
    assert "-10.00" in html and "不一致" in html
    assert "10 个" in html and "非金额" in html
    assert "/fund/2021/figures.csv" in html and "/fund/ledger.json?year=2021" in html
    assert "收入：按渠道" in html and 'class="ledger-bar"' in html


def test_fund_page_shows_years_categories_and_downloads(client, post, project):
    post(EntryKind.GRANT_APPROVAL, "800.00", occurred_on=date(2020, 6, 1), project_id=project.id)
    post(EntryKind.DONATION, "1000.00", occurred_on=date(2021, 5, 1))
    response = client.get("/fund/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2020" in html and "2021" in html and "关爱老人" in html
    assert "/fund/ledger.csv" in html and "/fund/verify/" in html and "/fund/2021/figures.json" in html


def test_year_figures_download(client, post, project):
    post(EntryKind.GRANT_APPROVAL, "800.00", occurred_on=date(2020, 6, 1), project_id=project.id)
    data = client.get("/fund/2020/figures.json").json()
    assert data["totals"]["approved"] == "800.00"
    assert data["by_project"][0]["project__title"] == project.title
    csv_text = client.get("/fund/2020/figures.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[1] == "totals,2020,0.00,800.00,0.00,800.00,0.00,0.00"


def test_project_fund_flow_shows_the_latest_disbursements_and_links_the_rest(post, project, monkeypatch):
    from ledger.templatetags import ledger_tags

    monkeypatch.setattr(ledger_tags, "DISBURSEMENTS_SHOWN", 3)
    post(EntryKind.GRANT_APPROVAL, "5000.00", project_id=project.id)
    for day in range(1, 6):
        post(EntryKind.DISBURSEMENT, f"{day}.00", project_id=project.id, occurred_on=date(2021, 1, day))
    html = render("{% project_fund_flow page %}", page=project)
    assert "共 5 笔，显示最近 3 笔" in html
    assert "2021-01-05" in html and "2021-01-03" in html and "2021-01-02" not in html
    assert f"/fund/ledger.csv?project={project.id}" in html
