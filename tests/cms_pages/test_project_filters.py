"""The project index filters by year, category, district and status, alone and combined."""

import pytest

from cms_pages.models import Category, District, ProjectPage, ProjectStatus

pytestmark = pytest.mark.django_db


def listed_titles(client, **params):
    response = client.get("/projects/", params)
    assert response.status_code == 200
    return response, {p.title for p in response.context["page_obj"].object_list}, response.context["paginator"].count


def expected(**filters):
    return ProjectPage.objects.live().filter(**filters)


def test_unfiltered_index_counts_every_project_and_paginates(client, demo_site):
    response, titles, count = listed_titles(client)
    assert count == 41
    assert len(titles) == 12
    assert "共 41 个项目" in response.content.decode()


@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_year_filter(client, demo_site, year):
    _, _, count = listed_titles(client, year=str(year))
    assert count == expected(cohort_year=year).count() > 0


def test_category_filter(client, demo_site):
    category = Category.objects.get(slug="elderly")
    response, _, count = listed_titles(client, category="elderly")
    assert count == expected(category=category).count() == 7
    assert all(p.category_id == category.pk for p in response.context["page_obj"].object_list)


def test_district_filter(client, demo_site):
    district = District.objects.get(slug="qingxu")
    _, titles, count = listed_titles(client, district="qingxu")
    assert count == expected(district=district).count() == 2
    assert "清徐新时代文明实践平台" in titles


@pytest.mark.parametrize("status", [ProjectStatus.RUNNING, ProjectStatus.CLOSED, ProjectStatus.APPROVED])
def test_status_filter(client, demo_site, status):
    _, _, count = listed_titles(client, status=status.value)
    assert count == expected(status=status).count() > 0


def test_all_four_filters_combine(client, demo_site):
    _, titles, count = listed_titles(client, year="2021", category="civic-practice", district="qingxu", status="running")
    assert titles == {"清徐新时代文明实践平台"}
    assert count == 1


def test_combined_filters_that_match_nothing_say_so(client, demo_site):
    response, titles, count = listed_titles(client, year="2019", district="qingxu")
    assert count == 0 and titles == set()
    assert "没有符合条件的项目" in response.content.decode()


def test_filters_are_kept_in_pagination_links(client, demo_site):
    response = client.get("/projects/", {"status": "running"})
    html = response.content.decode()
    assert "?status=running&amp;page=2" in html
    assert '<option value="running" selected>' in html


@pytest.mark.parametrize("params, message", [
    ({"year": "abc"}, "年度“abc”无效"),
    ({"year": "20211"}, "无效"),
    ({"year": "²⁰²¹"}, "年度“²⁰²¹”无效"),  # str.isdigit() is true for these, int() refuses them: was a 500
    ({"year": "２０２１"}, "年度“２０２１”无效"),
    ({"year": "١٢٣٤"}, "无效"),
    ({"year": "9" * 10_000}, "无效"),
    ({"category": "no-such"}, "没有类别“no-such”"),
    ({"district": "<script>"}, "没有区县“&lt;script&gt;”"),
    ({"status": "deleted"}, "没有状态“deleted”"),
])
def test_unknown_or_malformed_filter_is_ignored_with_a_message(client, demo_site, params, message):
    response, _, count = listed_titles(client, **params)
    assert message in response.content.decode()
    assert count == 41


def test_page_number_past_the_end_shows_the_last_page(client, demo_site):
    response, _, _ = listed_titles(client, page="99")
    assert response.context["page_obj"].number == 4
    assert "共 4 页，已显示最后一页" in response.content.decode()


@pytest.mark.parametrize("page", ["x", "-1", "1.5", "０", "١", "²", "9" * 7])
def test_page_number_that_is_not_a_number_shows_the_first_page(client, demo_site, page):
    response, _, _ = listed_titles(client, page=page)
    assert response.context["page_obj"].number == 1
    assert "页码应为正整数，已显示第 1 页" in response.content.decode()


def test_page_number_of_thousands_of_digits_shows_the_first_page(client, demo_site):
    response, _, _ = listed_titles(client, page="9" * 5000)
    assert response.context["page_obj"].number == 1
    assert "页码应为正整数，已显示第 1 页" in response.content.decode()
