"""The sandbox's keys, read from the file the settings name, at call time."""

from django.conf import settings

from .keys import sandbox_keys, wechatpay_platform_signers


def current_keys():
    return sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)


def wechatpay_signer():
    """(private key PEM, serial) the sandbox's WeChat Pay signs with now.

    ``GATEWAY_SANDBOX_WECHATPAY_SIGNER`` picks ``current`` (default), ``rotated`` (a new PUB_KEY_ID_…)
    or ``certificate`` (a platform certificate's serial), so tests can rotate keys as WeChat does.
    """
    return wechatpay_platform_signers(current_keys())[getattr(settings, "GATEWAY_SANDBOX_WECHATPAY_SIGNER", "current")]


def wechatpay_platform_serials():
    """Every platform key id the sandbox holds: what a merchant may name in ``Wechatpay-Serial``."""
    return {serial for _, serial in wechatpay_platform_signers(current_keys()).values()}
