"""The admin base for money and gateway records: read views and a service-backed create view, no write route.

Ledger and donations both build on it (donations imports ledger, never the reverse). Hiding links is not
enough: a route that exists can be POSTed to. So this viewset never builds an edit, delete, copy, reorder or
usage route; the URL resolver answers 404 for them, and changes go only through the services.
"""

from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permissions import policy_registry


class ServiceCreateView(generic.CreateView):
    """A create view that records through a service, so the admin obeys every rule the service enforces."""

    success_message = "已保存：%(object)s"

    def call_service(self, data):
        """Record the new object from the form's cleaned data and return it; subclasses name their service."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.created = self.call_service(form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        log(instance=self.created, action="wagtail.create", user=self.request.user)
        return super().form_valid(form)

    def save_instance(self):
        return self.created

    def get_edit_url(self):
        return reverse(self.inspect_url_name, args=[quote(self.object.pk)])

    def get_success_buttons(self):
        return []


class ReadHistoryView(generic.HistoryView):
    """A record's history, for anyone who may view the record: these records have no change permission."""

    any_permission_required = ["add", "view"]


class InspectURLFinder(ModelAdminURLFinder):
    """Links a record (in site history, search, usage) to its inspect view, for users who may view it."""

    inspect_url_name = None

    def construct_edit_url(self, instance):
        return reverse(self.inspect_url_name, args=(quote(instance.pk),))

    def get_edit_url(self, instance):
        policy = policy_registry.get(instance)
        if self.user and policy and not policy.user_has_permission_for_instance(self.user, "view", instance):
            return None
        return self.construct_edit_url(instance)


class AppendOnlyViewSet(ModelViewSet):
    """List, inspect and history of records that are never edited or deleted; create only through a service."""

    inspect_view_enabled = True
    copy_view_enabled = False
    history_view_class = ReadHistoryView
    sort_order_field = None
    # Only a ServiceCreateView subclass gets an add route; Wagtail's plain CreateView would save the form.
    add_view_class = None
    # The whole set of routes; anything not built here does not exist.
    read_view_names = ("index", "index_results", "inspect", "history", "history_results")

    @property
    def has_service_create_view(self):
        return isinstance(self.add_view_class, type) and issubclass(self.add_view_class, ServiceCreateView)

    def get_common_view_kwargs(self, **kwargs):
        # No view may link to a route that does not exist.
        return super().get_common_view_kwargs(**{
            "edit_url_name": None, "delete_url_name": None, "usage_url_name": None,
            "add_url_name": self.get_url_name("add") if self.has_service_create_view else None,
            **kwargs,
        })

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        views = {
            "index": ("", self.index_view),
            "index_results": ("results/", self.index_results_view),
            "inspect": (f"inspect/<{conv}:pk>/", self.inspect_view),
            "history": (f"history/<{conv}:pk>/", self.history_view),
            "history_results": (f"history-results/<{conv}:pk>/", self.history_results_view),
        }
        patterns = [path(route, view, name=name) for name, (route, view) in views.items()
                    if name in self.read_view_names]
        if self.has_service_create_view:
            patterns.append(path("new/", self.add_view, name="add"))
        return patterns

    @property
    def url_finder_class(self):
        return type("_InspectURLFinder", (InspectURLFinder,), {"inspect_url_name": self.get_url_name("inspect")})
