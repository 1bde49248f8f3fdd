"""Reconciliation survives real statements: GB18030 characters are read, a damaged file leaves a failed run."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone

from donations import services
from donations.gateways.alipay import alipay_statement_parse
from donations.gateways.base import GatewayError
from donations.gateways.wechatpay import wechatpay_statement_parse
from donations.models import ReconciliationRun
from donations.services.reconciliation import reconciliation_run
from tests.donations.conftest import cashier_pay, make_donation

HEADER = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
          "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
          "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注")


def _archive(detail: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("20880000_20261122_业务明细.csv", detail)
    return buffer.getvalue()


def _detail(subject: str) -> str:
    row = (f"2026112222001\t,20261122AAA\t,交易,{subject},2026-11-22 10:00:00,2026-11-22 10:00:05,,,,,b***@x.com,"
           "100.00,100.00," + ",".join([""] * 8) + ",,0.00,0.00,")
    return f"#支付宝业务明细查询\r\n{HEADER}\r\n{row}\r\n#-----业务明细列表结束-----\r\n"


@pytest.mark.parametrize("subject", ["捐赠：𠀀救护车", "捐赠：㐀"])
def test_a_character_beyond_gbk_in_the_subject_is_read_as_gb18030(subject):
    with pytest.raises(UnicodeEncodeError):
        subject.encode("gbk")  # the point: GBK cannot hold it, GB18030 can
    [line] = alipay_statement_parse(_archive(_detail(subject).encode("gb18030")))
    assert (line.kind, line.out_trade_no, line.amount) == ("payment", "20261122AAA", Decimal("100.00"))


@pytest.mark.parametrize("archive,error", [
    (_archive(_detail("捐赠").encode("gb18030") + b"\x81\x30\xff\xfe"), "GB18030"),
    (b"<html>busy</html>", "zip"),
    (_archive(_detail("捐赠").replace("订单金额（元）", "金额").encode("gb18030")), "缺少列"),
    (_archive(_detail("捐赠").replace("100.00,100.00", "abc,abc").encode("gb18030")), "格式错误"),
])
def test_an_unreadable_alipay_statement_raises_a_gateway_error_saying_why(archive, error):
    with pytest.raises(GatewayError, match=error):
        alipay_statement_parse(archive)


@pytest.mark.parametrize("text,error", [
    ("商户订单号,微信订单号\n`A,`B\n", "缺少列"),
    ("微信订单号,商户订单号,应结订单金额\n`4200,`A,`1e999999999\n", "格式错误"),
])
def test_an_unreadable_wechatpay_bill_raises_a_gateway_error_saying_why(text, error):
    with pytest.raises(GatewayError, match=error):
        wechatpay_statement_parse(text)


# --- through the sandbox over real HTTP -----------------------------------------------------------------------


@pytest.fixture
def sandbox(sandbox, settings):
    """The shared sandbox, serving whole statements unless a test damages them."""
    settings.GATEWAY_SANDBOX_ALIPAY_BILL_FAULT = ""
    return sandbox




def _paid(campaign):
    donation = make_donation(campaign, amount="100.00")
    cashier_pay(services.donation_start_payment(donation=donation).redirect_url)
    donation.refresh_from_db()
    assert donation.is_paid
    return donation


@pytest.mark.django_db(transaction=True)
def test_statement_with_a_gb18030_only_subject_reconciles(sandbox, campaign):
    campaign.title = "𠀀㐀 救护车募捐"  # the subject Alipay keeps and prints in the statement
    campaign.save()
    _paid(campaign)
    run = reconciliation_run(gateway="alipay", day=timezone.localdate())
    assert (run.error, run.statement_lines, run.matched, run.mismatch_count) == ("", 1, 1, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault,error", [("undecodable", "GB18030"), ("not_zip", "zip")])
def test_a_damaged_statement_is_recorded_as_a_failed_run(sandbox, campaign, settings, fault, error):
    paid = _paid(campaign)
    settings.GATEWAY_SANDBOX_ALIPAY_BILL_FAULT = fault
    run = reconciliation_run(gateway="alipay", day=timezone.localdate())
    stored = ReconciliationRun.objects.get()
    assert stored.pk == run.pk and error in stored.error
    assert (stored.statement_lines, stored.matched, stored.mismatch_count, stored.mismatches) == (0, 0, 0, [])
    paid.refresh_from_db()
    assert paid.is_paid  # nothing about the order changed
