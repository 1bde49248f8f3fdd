"""Ledger fixtures: real project pages in a real page tree, and a helper to post entries."""

from datetime import date
from decimal import Decimal

import pytest

from cms_pages.models import Category, ProjectPage
from ledger.services import entry_record


@pytest.fixture
def make_project(project_index):
    """Create a project page (optionally in a category) the way an editor would."""
    counter = {"n": 0}

    def make(title=None, category=None):
        counter["n"] += 1
        title = title or f"测试项目{counter['n']}"
        category_obj = None
        if category:
            category_obj, _ = Category.objects.get_or_create(name=category[0], defaults={"slug": category[1]})
        page = ProjectPage(title=title, slug=f"project-{counter['n']}", summary="测试用项目。", category=category_obj)
        project_index.add_child(instance=page)
        return page

    return make


@pytest.fixture
def project(make_project):
    return make_project("关爱老人义务修脚", category=("关爱老人", "elderly"))


@pytest.fixture
def post():
    """entry_record with sensible defaults, amounts given as strings."""

    def post(kind, amount, *, occurred_on=date(2021, 6, 1), memo="测试记录", **kwargs):
        return entry_record(kind=kind, amount=Decimal(amount), occurred_on=occurred_on, memo=memo, **kwargs)

    return post


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The public verify page caches its result per chain head; each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
