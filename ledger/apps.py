from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The money truth: append-only, hash-chained entries and fund-flow queries."""

    name = "ledger"
    verbose_name = "资金账本"

    def ready(self):
        from ledger import signals

        signals.connect()
