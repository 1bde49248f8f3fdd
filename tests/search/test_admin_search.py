"""Wagtail's own admin search speaks Chinese too, because it uses our backend."""

import pytest

from cms_pages.models import ProjectPage


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_page_search_finds_chinese_titles(editor_client, make_project, project_index):
    make_project("灵星自闭症大龄青年手工技能培训基地", "烘焙技能")
    project_index.add_child(instance=ProjectPage(title="自闭症儿童成长关爱计划（草稿）", summary="草稿", live=False))
    make_project("关爱老人义务修脚", "修脚")
    response = editor_client.get("/admin/pages/search/", {"q": "自闭症"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "灵星自闭症大龄青年手工技能培训基地" in body
    assert "自闭症儿童成长关爱计划（草稿）" in body
    assert "关爱老人义务修脚" not in body


@pytest.mark.django_db
def test_admin_search_with_symbols_only_answers_without_error(editor_client, make_project):
    make_project("关爱老人义务修脚", "修脚")
    for query in ['"', "*", "😀", "，。"]:
        assert editor_client.get("/admin/pages/search/", {"q": query}).status_code == 200
