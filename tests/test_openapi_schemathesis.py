"""Schemathesis against both OpenAPI documents: generated requests never answer 500 and every response
matches the schema it is documented with.

Requests go through the Django WSGI application in process, inside the test's transaction, so the
demo content is there and whatever a generated request writes is rolled back. The number of examples
per operation is bounded and the generation is derandomized, so a run is repeatable.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = 12
DOCUMENTS = ["/api/v3/openapi.json", "/api/donations/openapi.json", "/fund/log/openapi.json"]
# Wagtail documents the snippet type as `const: ""` when no snippet model is exposed to the API (none is):
# no request to these routes can match the document, so there is nothing to generate.
NO_VALID_REQUEST = "/api/v3/snippets/{type}/"


@pytest.fixture
def wsgi_app(demo_site, settings):
    """The site's WSGI application, kept on the test's connection (as Django's test client does)."""
    settings.DONATION_CREATE_RATE = "1000000/h"  # limits have their own tests
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def real_ids():
    """Ids that exist, so half the generated requests reach a served answer whose schema is checked."""
    from donations.models import CampaignPage, Donation
    from tests.donations.conftest import make_donation

    campaign = CampaignPage.objects.live().first()
    donation = Donation.objects.first() or make_donation(campaign)
    return {"campaign_id": campaign.pk, "token": donation.resume_token, "page_id": campaign.pk,
            "image_id": 1, "document_id": 1, "site_id": 1, "locale_id": 1}


def run_operation(operation, ids):
    """Up to EXAMPLES generated requests to one operation; the first failing check is raised. Returns statuses."""
    calls = []

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def exercise(case):
        if len(calls) % 2:
            for name in list(case.path_parameters or {}):
                case.path_parameters[name] = ids.get(name, case.path_parameters[name])
            if isinstance(case.body, dict) and "campaign_id" in case.body:
                case.body["campaign_id"] = ids["campaign_id"]
        # In a savepoint, so that a failed query on PostgreSQL does not abort the test's transaction.
        with transaction.atomic():
            calls.append(case.call_and_validate(checks=[not_a_server_error, response_schema_conformance]).status_code)

    exercise()
    return calls


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_generated_requests_get_no_server_error_and_conform_to_the_schema(wsgi_app, document):
    schema = schemathesis.openapi.from_wsgi(document, wsgi_app)
    failures, operations, statuses, ids = [], 0, set(), real_ids()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            statuses |= set(run_operation(operation, ids))
        except Exception as exc:  # noqa: BLE001 - every operation is tried; all failures are reported together
            if operation.path.startswith(NO_VALID_REQUEST) and "Cannot generate test data" in str(exc):
                continue
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations >= 3 and statuses & {200, 201}  # requests were made, and some were served
    assert not failures, f"{len(failures)} of {operations} operations failed:\n\n" + "\n\n".join(failures)
