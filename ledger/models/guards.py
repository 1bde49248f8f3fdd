"""Append-only rows: read and add, never change or remove, whatever path tries (model or queryset)."""

from django.db import models

from ledger.models.entries import LedgerImmutableError


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes are refused with the model's own ``immutable_message``."""

    def _refuse(self, *args, **kwargs):
        raise LedgerImmutableError(self.model.immutable_message)

    update = delete = bulk_update = update_or_create = _refuse


class AppendOnlyModel(models.Model):
    immutable_message = "此记录只能追加，不能修改或删除。"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutableError(self.immutable_message)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(self.immutable_message)
