"""A project page costs the same number of queries however many stories and photos it has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms_pages.models import ProjectGalleryImage

pytestmark = pytest.mark.django_db


def build_project(make_project, make_story, make_image, *, title, stories, photos):
    project = make_project(title=title, hero_image=make_image(title=f"{title} 封面"))
    for i in range(stories):
        make_story(project, days_ago=i, title=f"{title} 进展 {i}", cover_image=make_image(title=f"{title} 图 {i}"))
    for i in range(photos):
        ProjectGalleryImage.objects.create(page=project, image=make_image(title=f"{title} 相册 {i}"), sort_order=i)
    return project


def queries_to_render(client, url):
    # First request makes the renditions; the second is what every later visitor costs.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_project_page_query_count_does_not_grow_with_stories_and_photos(
    client, make_project, make_story, make_image
):
    small = build_project(make_project, make_story, make_image, title="小项目", stories=2, photos=2)
    large = build_project(make_project, make_story, make_image, title="大项目", stories=50, photos=30)

    small_queries, small_html = queries_to_render(client, small.url)
    large_queries, large_html = queries_to_render(client, large.url)

    assert large_html.count('class="story-list"') == 1
    assert large_html.count("大项目 进展") == 50
    assert large_html.count("<figure>") >= 30
    assert large_queries == small_queries, (small_queries, large_queries)
