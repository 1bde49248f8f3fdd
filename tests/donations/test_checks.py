"""The system check loads every configured payment key and refuses, by name, one that does not parse."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from donations.checks import payment_gateway_settings_check
from donations.gateways import gateway_get
from donations.gateways.keys import KeyConfigError

TRUNCATED_PUBLIC = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----"
TRUNCATED_CERT = "-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END CERTIFICATE-----"


def _ec_private():
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _errors(settings):
    settings.PAYMENT_GATEWAYS = ["alipay", "wechatpay", "offline"]
    return payment_gateway_settings_check(None)


def test_the_sandbox_configuration_with_every_key_form_passes(settings, keys):
    settings.WECHATPAY_PLATFORM_KEYS = (
        f"{keys.wechatpay_rotated_public_key_id}: {keys.wechatpay_rotated_platform_public_key}\n"
        + keys.wechatpay_platform_certificate.replace("\n", "\\n")  # one-line form, as in an env file
    )
    assert _errors(settings) == []


def test_a_bare_pkcs8_body_for_the_wechat_merchant_key_passes_as_the_sdk_reads_it(settings, keys):
    body = "".join(keys.wechatpay_merchant_private_key.strip().splitlines()[1:-1])
    settings.WECHATPAY_PRIVATE_KEY = body
    assert _errors(settings) == []
    assert gateway_get("wechatpay").mchid == keys.wechatpay_mchid


@pytest.mark.parametrize("setting,value", [
    ("ALIPAY_APP_PRIVATE_KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),  # not a PEM
    ("ALIPAY_APP_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----"),
    ("ALIPAY_APP_PRIVATE_KEY", "ec"),
    ("ALIPAY_PUBLIC_KEY", "alipay public key"),
    ("ALIPAY_PUBLIC_KEY", TRUNCATED_PUBLIC),
    ("WECHATPAY_PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
    ("WECHATPAY_PRIVATE_KEY", "ec"),
    ("WECHATPAY_PUBLIC_KEY", TRUNCATED_PUBLIC),
    ("WECHATPAY_PUBLIC_KEY", TRUNCATED_CERT),
    ("WECHATPAY_APIV3_KEY", "short"),
])
def test_a_key_that_does_not_parse_is_refused_naming_its_setting(settings, setting, value):
    setattr(settings, setting, _ec_private() if value == "ec" else value)
    errors = _errors(settings)
    assert [e.id for e in errors] == ["donations.E003"]
    assert setting in errors[0].msg and "无法读取" in errors[0].msg


@pytest.mark.parametrize("entries,expected", [
    (TRUNCATED_CERT, "第 1 项"),
    ("PUB_KEY_ID_0114232134912410000000000000000000: " + TRUNCATED_PUBLIC, "第 1 项"),
    ("__PUBLIC__", "PUB_KEY_ID_"),  # a public key without its id
    ("__CERT__\nPUB_KEY_ID_011423", "末尾"),  # an id without its key
    ("garbage __CERT__", "第 1 项 之前"),
    ("PUB_KEY_ID_01142321349124100000 __CERT__", "取自证书本身"),
    ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "PRIVATE KEY"),
])
def test_a_platform_key_entry_that_does_not_parse_is_refused(settings, keys, entries, expected):
    settings.WECHATPAY_PLATFORM_KEYS = (entries.replace("__PUBLIC__", keys.wechatpay_rotated_platform_public_key)
                                        .replace("__CERT__", keys.wechatpay_platform_certificate))
    errors = _errors(settings)
    assert [e.id for e in errors] == ["donations.E003"]
    assert "WECHATPAY_PLATFORM_KEYS" in errors[0].msg and expected in errors[0].msg


def test_one_serial_with_two_different_keys_is_refused(settings, keys):
    settings.WECHATPAY_PLATFORM_KEYS = f"{keys.wechatpay_public_key_id}: {keys.wechatpay_rotated_platform_public_key}"
    [error] = _errors(settings)
    assert error.id == "donations.E003" and keys.wechatpay_public_key_id in error.msg


def test_wechat_without_any_platform_key_is_refused(settings):
    settings.WECHATPAY_PUBLIC_KEY = settings.WECHATPAY_PUBLIC_KEY_ID = settings.WECHATPAY_PLATFORM_KEYS = ""
    [error] = _errors(settings)
    assert error.id == "donations.E003" and "WECHATPAY_PLATFORM_KEYS" in error.msg


def test_public_key_without_its_id_is_refused(settings):
    settings.WECHATPAY_PUBLIC_KEY_ID = ""
    [error] = _errors(settings)
    assert error.id == "donations.E003" and "WECHATPAY_PUBLIC_KEY_ID" in error.msg


def test_each_bad_key_gets_its_own_error(settings):
    settings.ALIPAY_APP_PRIVATE_KEY = settings.ALIPAY_PUBLIC_KEY = settings.WECHATPAY_PRIVATE_KEY = "x"
    messages = [e.msg for e in _errors(settings)]
    assert len(messages) == 3
    for setting in ("ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY", "WECHATPAY_PRIVATE_KEY"):
        assert any(setting in message for message in messages)


def test_manage_py_check_stops_on_a_bad_key(settings):
    settings.PAYMENT_GATEWAYS = ["alipay"]
    settings.ALIPAY_PUBLIC_KEY = "not a key"
    with pytest.raises(SystemCheckError, match="ALIPAY_PUBLIC_KEY"):
        call_command("check")


def test_a_bad_key_at_run_time_names_its_setting_instead_of_an_opaque_fault(settings):
    settings.ALIPAY_PUBLIC_KEY = "not a key"
    with pytest.raises(KeyConfigError, match="ALIPAY_PUBLIC_KEY"):
        gateway_get("alipay")


def test_an_expired_platform_certificate_is_a_warning_naming_it(settings, keys):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    private = serialization.load_pem_private_key(keys.wechatpay_rotated_platform_private_key.encode(), password=None)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "old platform")])
    end = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    old = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
           .serial_number(0x5157F09EFDC096DE).not_valid_before(end - datetime.timedelta(days=365))
           .not_valid_after(end).sign(private, hashes.SHA256()))
    settings.WECHATPAY_PLATFORM_KEYS = old.public_bytes(serialization.Encoding.PEM).decode()
    [warning] = _errors(settings)
    assert warning.id == "donations.W001" and "5157F09EFDC096DE" in warning.msg and "2025-01-01" in warning.msg


def test_sms_check_names_a_missing_aliyun_setting_and_an_unknown_backend(settings):
    from donations.checks import sms_settings_check

    settings.SMS_BACKEND = "aliyun"
    assert sms_settings_check(None) == []  # the sandbox's account fills every setting in test
    settings.ALIYUN_SMS_TEMPLATE_CODE = ""
    [error] = sms_settings_check(None)
    assert error.id == "donations.E005" and "ALIYUN_SMS_TEMPLATE_CODE" in error.msg
    settings.SMS_BACKEND = "tencent"
    [error] = sms_settings_check(None)
    assert error.id == "donations.E004"


def test_wechat_pay_without_the_official_accounts_secret_is_warned_of_and_not_otherwise(settings):
    from donations.checks import wechat_official_account_check

    settings.PAYMENT_GATEWAYS = ["wechatpay"]
    assert wechat_official_account_check(None) == []  # the sandbox's official account is configured
    settings.WECHAT_MP_SECRET = ""
    [warning] = wechat_official_account_check(None)
    assert warning.id == "donations.W002" and "WECHAT_MP_SECRET" in warning.msg and "WECHAT_MP_APPID" not in warning.msg
    settings.PAYMENT_GATEWAYS = ["alipay"]
    assert wechat_official_account_check(None) == []
