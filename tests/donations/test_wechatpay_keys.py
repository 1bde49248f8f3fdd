"""WeChat Pay platform keys rotate: notifications and answers are verified by the key their serial names.

Driven through the sandbox over real HTTP: it signs with its current key A, a rotated key B
(a new PUB_KEY_ID_…) or a platform certificate C, as WeChat Pay does while it rotates keys.
"""


import pytest

from donations import services
from donations.gateways.wechatpay import WechatPayGateway
from donations.models import DonationStatus, GatewayNotification
from gateway_sandbox.models import SandboxNotification
from gateway_sandbox.services import notification_attempt
from gateway_sandbox.wechatpay import notification_headers
from ledger.models import FlowRow
from tests.donations.conftest import cashier_pay, make_donation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(sandbox, settings):
    """The shared sandbox, signing with the current platform key unless a test rotates it."""
    settings.GATEWAY_SANDBOX_WECHATPAY_SIGNER = "current"
    return sandbox




def pay_signed_by(settings, campaign, signer, amount):
    """Order under key A, then the donor pays while the sandbox signs with ``signer``."""
    donation = make_donation(campaign, gateway="wechatpay", channel="qr", amount=amount)
    start = services.donation_start_payment(donation=donation)
    settings.GATEWAY_SANDBOX_WECHATPAY_SIGNER = signer
    cashier_pay(start.qr_code)
    return donation


def redeliver(donation):
    """WeChat Pay's retry of the same notification, signed afresh with its current key."""
    sent = SandboxNotification.objects.select_related("trade").get(
        trade__out_trade_no=donation.out_trade_no, delivered_at__isnull=True)
    return notification_attempt(notification=sent, headers_for=notification_headers)


def test_rotated_key_verifies_once_configured_and_an_unknown_key_is_refused_and_recorded(sandbox, campaign, keys,
                                                                                          settings):
    # Key A, the one configured by the single-key settings.
    first = pay_signed_by(settings, campaign, "current", "10.00")
    first.refresh_from_db()
    assert first.status == DonationStatus.PAID
    assert GatewayNotification.objects.get(out_trade_no=first.out_trade_no).outcome == "processed"

    # Key B before it is configured: refused, the unknown serial recorded; nothing paid, nothing booked.
    second = pay_signed_by(settings, campaign, "rotated", "20.00")
    second.refresh_from_db()
    assert second.status == DonationStatus.PENDING
    refused = GatewayNotification.objects.filter(gateway="wechatpay").latest("id")
    assert refused.outcome == "rejected"
    assert f"序列号未知：{keys.wechatpay_rotated_public_key_id}" in refused.error
    assert not FlowRow.objects.filter(source_ref=second.out_trade_no).exists()

    # B configured beside A: WeChat's retry verifies and settles.
    settings.WECHATPAY_PLATFORM_KEYS = f"{keys.wechatpay_rotated_public_key_id}:\n{keys.wechatpay_rotated_platform_public_key}"
    assert redeliver(second)
    second.refresh_from_db()
    assert second.status == DonationStatus.PAID
    assert FlowRow.objects.filter(source_ref=second.out_trade_no).count() == 1

    # Key C (a platform certificate) never configured: refused and recorded, nothing changed.
    settings.GATEWAY_SANDBOX_WECHATPAY_SIGNER = "current"
    third = pay_signed_by(settings, campaign, "certificate", "30.00")
    third.refresh_from_db()
    assert third.status == DonationStatus.PENDING
    refused = GatewayNotification.objects.filter(gateway="wechatpay").latest("id")
    assert refused.outcome == "rejected"
    assert f"序列号未知：{keys.wechatpay_platform_certificate_serial}" in refused.error
    assert not FlowRow.objects.filter(source_ref=third.out_trade_no).exists()


def test_platform_certificate_form_verifies_by_the_serial_inside_it(sandbox, campaign, keys, settings):
    settings.WECHATPAY_PLATFORM_KEYS = keys.wechatpay_platform_certificate  # no id given: read from the certificate
    donation = pay_signed_by(settings, campaign, "certificate", "12.34")
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID


def test_answers_signed_with_the_rotated_key_verify_once_it_is_configured(sandbox, campaign, keys, settings):
    settings.GATEWAY_SANDBOX_WECHATPAY_SIGNER = "rotated"
    donation = make_donation(campaign, gateway="wechatpay", channel="qr", amount="8.00")
    with pytest.raises(Exception, match="微信支付"):  # GatewayError: the answer's signature is under an unknown key
        services.donation_start_payment(donation=donation)
    settings.WECHATPAY_PLATFORM_KEYS = f"{keys.wechatpay_rotated_public_key_id}: {keys.wechatpay_rotated_platform_public_key}"
    again = make_donation(campaign, gateway="wechatpay", channel="qr", amount="8.00")
    assert services.donation_start_payment(donation=again).qr_code


def test_requests_name_the_current_platform_key_in_wechatpay_serial(keys):
    both = f"{keys.wechatpay_rotated_public_key_id}: {keys.wechatpay_rotated_platform_public_key}"
    common = dict(mchid=keys.wechatpay_mchid, appid=keys.wechatpay_appid,
                  private_key=keys.wechatpay_merchant_private_key, cert_serial_no=keys.wechatpay_merchant_serial_no,
                  apiv3_key=keys.wechatpay_apiv3_key, base_url="https://invalid.example")
    single = WechatPayGateway(public_key=keys.wechatpay_platform_public_key,
                              public_key_id=keys.wechatpay_public_key_id, platform_keys=both, **common)
    assert single.client._core._public_key_id == keys.wechatpay_public_key_id
    assert set(single.public_keys) == {keys.wechatpay_public_key_id, keys.wechatpay_rotated_public_key_id}
    listed = WechatPayGateway(platform_keys=keys.wechatpay_platform_certificate + "\n" + both, **common)
    assert listed.client._core._public_key_id == keys.wechatpay_rotated_public_key_id  # public-key mode's id
