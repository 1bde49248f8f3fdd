"""Wagtail's v3 API: query values the database cannot take get a 400 problem, not a 500, and change nothing."""

import pytest
from wagtail.models import Page

HUGE = str(2**63)


@pytest.mark.parametrize("url", [
    f"/api/v3/pages/?offset={HUGE}",
    f"/api/v3/images/?offset={'9' * 30}",
    f"/api/v3/documents/?offset={HUGE}",
    "/api/v3/pages/?site=localhost:b",
    "/api/v3/pages/find/?html_path=/&site=a:b",
])
def test_out_of_range_or_mistyped_query_values_get_a_400_problem(client, demo_site, url):
    pages_before = Page.objects.count()
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 400
    assert Page.objects.count() == pages_before


def test_the_offset_refusal_says_what_is_wrong_in_chinese(client, demo_site):
    response = client.get(f"/api/v3/pages/?offset={HUGE}")
    assert "offset、limit 须为较小的非负整数" in response.json()["detail"]


def test_ordinary_paging_still_answers(client, demo_site):
    response = client.get("/api/v3/pages/?offset=1&limit=2")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2
