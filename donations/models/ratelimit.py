"""Rate-limit counters in the database, shared by every worker when no Redis is configured."""

from django.db import models


class RateLimitCounter(models.Model):
    """How many attempts one client (or one order) made in one fixed window of one limit."""

    # sha256 of scope, key and window: fixed length whatever a client sends as the key.
    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "频率限制计数"
        verbose_name_plural = "频率限制计数"
        default_permissions = ()  # bookkeeping of the limits only; nobody manages it by hand

    def __str__(self):
        return f"{self.key[:12]}… {self.count}"
