"""Shared fixtures: a page tree built the way an editor would, and a demo-loaded site."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from wagtail.models import Page, Site

from cms_pages.models import DisclosureIndexPage, HomePage, ProjectIndexPage


def _let_test_flushes_truncate_the_ledger():
    """Transactional tests empty the database with TRUNCATE, which the ledger's triggers refuse.

    The flush (and only the flush) sets the one switch those triggers accept, for its own transaction.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL ledger.allow_truncate = 'on'", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush


_let_test_flushes_truncate_the_ledger()


@pytest.fixture
def home(db):
    """A site whose root is a fresh HomePage, replacing Wagtail's welcome page."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="志愿城市·太原", slug="home-test"))
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page = home
        site.save()
    else:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home


@pytest.fixture
def project_index(home):
    return home.add_child(instance=ProjectIndexPage(title="资助项目", slug="projects"))


@pytest.fixture
def disclosure_index(home):
    return home.add_child(instance=DisclosureIndexPage(title="信息公开", slug="disclosure"))


@pytest.fixture(scope="module")
def _demo_content(django_db_setup, django_db_blocker):
    """Load the demo once per test module, inside a transaction rolled back after the module.

    Each test still runs in its own savepoint (pytest-django's ``db``), so tests stay isolated
    while the loader, which builds some 130 pages, runs once per module instead of per test.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()


@pytest.fixture
def demo_site(_demo_content, db):
    """The full demo content, loaded by the same command `make run` uses."""
    return Site.objects.get(is_default_site=True)
