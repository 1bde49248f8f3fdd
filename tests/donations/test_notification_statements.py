"""On PostgreSQL outside a transaction (as a request runs): the one-statement store and rate count keep what the ORM kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from donations.models import GatewayNotification, RateLimitCounter
from donations.ratelimit import rate_limit_hit
from donations.services import notification_store
from tests.donations.conftest import postgres_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_url(), reason="needs PostgreSQL: set DATABASE_URL=postgres://…"),
]


@pytest.mark.django_db(transaction=True)
def test_a_stored_notification_is_one_statement_and_reads_back_exactly():
    headers = {"HTTP_X_TEST": "值", "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_BAD": "a\x00b"}
    with CaptureQueriesContext(connection) as captured:
        notification = notification_store(gateway="alipay", headers=headers, body="a=1&b=二".encode(),
                                          remote_addr="203.0.113.9")
    assert len(captured.captured_queries) == 1
    assert "set_config('synchronous_commit', 'off', true)" in captured.captured_queries[0]["sql"]
    stored = GatewayNotification.objects.get(pk=notification.pk)
    assert stored.body == "a=1&b=二" and stored.body_encoding == "text"
    assert stored.headers["HTTP_X_TEST"] == "值" and stored.headers["HTTP_BAD"] == {"base64": "YQBi"}
    assert stored.remote_addr == "203.0.113.9" and stored.gateway == "alipay" and stored.received_at is not None
    assert stored.outcome == notification.outcome and not stored.verified
    # No transaction was left open on the connection.
    assert connection.get_autocommit()
    # The instance is the stored row: changing a frozen field of it is refused as for any loaded row.
    notification.body = "changed"
    with pytest.raises(Exception, match="不能修改"):
        notification.save()


@pytest.mark.django_db(transaction=True)
def test_the_rate_count_is_one_statement_and_counts_each_attempt():
    with CaptureQueriesContext(connection) as captured:
        hits = [rate_limit_hit(scope="notify", key="203.0.113.10", rate="2/m") for _ in range(3)]
    assert hits == [False, False, True]
    counting = [q for q in captured.captured_queries if "ratelimitcounter" in q["sql"] and "INSERT" in q["sql"]]
    assert len(counting) == 3 and all("set_config" in q["sql"] for q in counting)
    assert RateLimitCounter.objects.get().count == 3
