"""Fields of a money record that are fixed once it is stored."""

from django.core.exceptions import ValidationError
from django.db import models


class FrozenFieldError(ValidationError):
    """Raised when a save would change a field that is fixed once stored (an amount, a number)."""


class FrozenFieldsModel(models.Model):
    """Refuses a save that changes any of ``frozen_fields`` of a stored row; PostgreSQL refuses it too (trigger).

    The values are remembered when the row is loaded or first saved, so the check costs no query.
    """

    frozen_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_frozen()
        return instance

    def _frozen_values(self):
        values = {}
        for name in self.frozen_fields:
            field = self._meta.get_field(name)
            if field.attname in self.__dict__:  # a deferred field was not loaded, so it is not compared
                values[name] = field.to_python(self.__dict__[field.attname])
        return values

    def _remember_frozen(self):
        self._frozen_stored = self._frozen_values()

    def save(self, *args, **kwargs):
        stored = getattr(self, "_frozen_stored", None)
        if not self._state.adding and stored is not None:
            current = self._frozen_values()
            changed = [name for name, value in stored.items() if current.get(name, value) != value]
            if changed:
                labels = "、".join(str(self._meta.get_field(name).verbose_name) for name in changed)
                raise FrozenFieldError(f"{self._meta.verbose_name}的{labels}保存后不能修改；请通过退款或更正记录办理。")
        super().save(*args, **kwargs)
        self._remember_frozen()
