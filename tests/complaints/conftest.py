"""A project page and a campaign page in a real page tree (the donation tests' own), for the complaint form to sit on."""

import pytest

from tests.donations.conftest import campaign, project  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
