from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class GatewaySandboxConfig(AppConfig):
    """A pretend Alipay and WeChat Pay for development, demos and tests; never for production."""

    name = "gateway_sandbox"
    verbose_name = "支付沙箱"

    def ready(self):
        # Installing the app is not enough: the settings module must opt in explicitly,
        # and production.py forbids it, so real money can never reach a pretend gateway.
        if not getattr(settings, "GATEWAY_SANDBOX_ENABLED", False):
            raise ImproperlyConfigured(
                "gateway_sandbox is installed but GATEWAY_SANDBOX_ENABLED is not True; "
                "only the dev and test settings may enable the sandbox gateway."
            )
