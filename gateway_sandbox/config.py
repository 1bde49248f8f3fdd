"""The sandbox's keys, read from the file the settings name, at call time."""

from django.conf import settings

from .keys import sandbox_keys


def current_keys():
    return sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
