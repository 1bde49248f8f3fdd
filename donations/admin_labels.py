"""Chinese labels for the finance menu's records, whose model fields carry no verbose names.

The list columns, the filters and the inspect page all read a viewset's ``field_labels``; yes/no fields read
是/否 instead of True/False. (Naming the model fields instead would take a migration for labels alone.)
"""

import re

from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views import generic

YES, NO = "是", "否"


def yes_no(value) -> str:
    return YES if value else NO


class LabelledInspectView(generic.InspectView):
    """Inspect page with the viewset's labels, and 是/否 for yes/no fields."""

    field_labels: dict = {}

    def get_field_label(self, field_name, field):
        return self.field_labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return yes_no(value) if isinstance(value, bool) else value


class LabelledIndexView(generic.IndexView):
    """Listing whose column headings come from the viewset's labels; yes/no columns read 是/否."""

    field_labels: dict = {}

    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            # A choice field's column reads get_<field>_display.
            name = re.sub(r"^get_(\w+)_display$", r"\1", column.name)
            label = self.field_labels.get(name)
            if label is not None:
                column.label = label
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.get_internal_type() == "BooleanField":
                column.accessor = lambda obj, name=name: yes_no(getattr(obj, name))
        return columns


class LabelledViewSetMixin:
    """Give a ModelViewSet ``field_labels`` ({field name: Chinese label}) for columns, filters and inspect."""

    field_labels: dict = {}
    index_view_class = LabelledIndexView
    inspect_view_class = LabelledInspectView

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(field_labels=self.field_labels, **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(field_labels=self.field_labels, **kwargs)

    @cached_property
    def filterset_class(self):
        if not self.list_filter:
            return None
        labels = self.field_labels

        def __init__(filterset, *args, **kwargs):
            WagtailFilterSet.__init__(filterset, *args, **kwargs)
            for name, filter_ in filterset.filters.items():
                if name in labels:
                    filter_.label = labels[name]

        meta = type("Meta", (), {"model": self.model, "fields": self.list_filter})
        return type(f"{self.model.__name__}LabelledFilterSet", (WagtailFilterSet,), {"Meta": meta, "__init__": __init__})
