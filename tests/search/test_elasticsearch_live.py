"""Against a real Elasticsearch 8, when ELASTICSEARCH_URL names one (none can run on these machines).

Run: ELASTICSEARCH_URL=http://localhost:9200 .venv/bin/python -m pytest tests/search -m elasticsearch
"""

import os
import uuid

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.search.test_evaluation import check, evaluate

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.skipif(not ELASTICSEARCH_URL, reason="set ELASTICSEARCH_URL to run against a live Elasticsearch"),
]


@pytest.fixture
def live_backend():
    prefix = f"fundsite-test-{uuid.uuid4().hex[:8]}"
    backends = {"default": {"BACKEND": "search.backends.elasticsearch", "URLS": [ELASTICSEARCH_URL], "INDEX_PREFIX": prefix}}
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        yield
        from modelsearch.backends import get_search_backend

        get_search_backend().client.indices.delete(index=f"{prefix}__*")


@pytest.mark.django_db
def test_live_elasticsearch_meets_the_evaluation_set_with_the_same_ranking(live_backend):
    call_command("load_demo", verbosity=0)
    call_command("search_rebuild", verbosity=0)
    check(*evaluate())


@pytest.mark.django_db
def test_live_rebuild_keeps_one_index_behind_the_alias(live_backend):
    from modelsearch.backends import get_search_backend
    from wagtail.models import Page

    backend = get_search_backend()
    alias = backend.get_index_for_model(Page).alias
    call_command("search_rebuild", verbosity=0)
    first = set(backend.client.indices.get_alias(name=alias))
    call_command("search_rebuild", verbosity=0)
    second = set(backend.client.indices.get_alias(name=alias))
    assert len(first) == len(second) == 1 and first != second
