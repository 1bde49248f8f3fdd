"""我的捐赠: a donor who did not ask for the official 公益事业捐赠票据 when giving asks for it later."""

from donations.models import Donation, DonationEvent
from tests.donations.test_donor_page import MINE, paid, sign_in, sms_log  # noqa: F401 - sms_log is a fixture

REQUEST = "/donations/mine/official-receipt/"


def test_a_signed_in_donor_requests_the_official_receipt_of_their_own_gift(
        client, campaign, alipay_notification, sms_log):  # noqa: F811
    gift = paid(client, campaign, alipay_notification, phone="13900001111")
    sign_in(client, "13900001111", sms_log)
    page = client.get(MINE).content.decode()
    assert "申请公益事业捐赠票据" in page and 'action="/donations/mine/official-receipt/"' in page
    response = client.post(REQUEST, {"out_trade_no": gift.out_trade_no, "official_receipt_title": "张三",
                                     "taxpayer_number": ""})
    assert response.status_code == 302 and response["Location"].startswith(MINE)
    gift.refresh_from_db()
    assert gift.wants_official_receipt and gift.official_receipt_title == "张三"
    assert DonationEvent.objects.filter(donation=gift, cause__contains="申请公益事业捐赠票据").count() == 1
    assert "已申请，办理中" in client.get(MINE).content.decode()
    # Asking again changes nothing and leaves no second event.
    client.post(REQUEST, {"out_trade_no": gift.out_trade_no, "official_receipt_title": "李四"})
    gift.refresh_from_db()
    assert gift.official_receipt_title == "张三"
    assert DonationEvent.objects.filter(donation=gift, cause__contains="申请公益事业捐赠票据").count() == 1


def test_a_request_needs_a_title_and_a_well_formed_taxpayer_number(client, campaign, alipay_notification,
                                                                     sms_log):  # noqa: F811
    gift = paid(client, campaign, alipay_notification, phone="13900001111")
    sign_in(client, "13900001111", sms_log)
    for data, message in [({"official_receipt_title": ""}, "请填写票据抬头"),
                          ({"official_receipt_title": "某公司", "taxpayer_number": "abc"}, "纳税人识别号")]:
        response = client.post(REQUEST, {"out_trade_no": gift.out_trade_no, **data})
        assert response.status_code == 400 and message in response.content.decode()
    gift.refresh_from_db()
    assert not gift.wants_official_receipt


def test_no_one_requests_for_a_gift_that_is_not_theirs(client, campaign, alipay_notification, sms_log):  # noqa: F811
    other = paid(client, campaign, alipay_notification, phone="13900002222")
    paid(client, campaign, alipay_notification, phone="13900001111")
    sign_in(client, "13900001111", sms_log)
    response = client.post(REQUEST, {"out_trade_no": other.out_trade_no, "official_receipt_title": "张三"})
    assert response.status_code == 400 and "没有找到您的这笔捐赠" in response.content.decode()
    assert not Donation.objects.get(pk=other.pk).wants_official_receipt


def test_without_a_sign_in_the_request_is_refused(client, campaign, alipay_notification):
    gift = paid(client, campaign, alipay_notification, phone="13900001111")
    response = client.post(REQUEST, {"out_trade_no": gift.out_trade_no, "official_receipt_title": "张三"})
    assert response.status_code == 403
    assert not Donation.objects.get(pk=gift.pk).wants_official_receipt
