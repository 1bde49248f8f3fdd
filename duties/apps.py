from django.apps import AppConfig


class DutiesConfig(AppConfig):
    """The law's disclosure clocks: what is due, when, and which publication met it."""

    name = "duties"
    verbose_name = "信息公开义务"
