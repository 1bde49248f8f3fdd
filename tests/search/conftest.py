"""Fixtures for search: small page trees an editor could have built."""

import pytest

from cms_pages.models import ProjectPage


@pytest.fixture
def make_project(project_index):
    """Publish a project under the project index with the given title and summary."""

    def make(title, summary="", **fields):
        page = project_index.add_child(instance=ProjectPage(title=title, summary=summary, **fields))
        page.save_revision().publish()
        return page

    return make
