"""Shared fixtures: a page tree built the way an editor would, and a demo-loaded site."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from cms_pages.models import DisclosureIndexPage, HomePage, ProjectIndexPage


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


@pytest.fixture
def demo_site(db):
    """The full demo content, loaded by the same command `make run` uses."""
    call_command("load_demo", verbosity=0)
    return Site.objects.get(is_default_site=True)
