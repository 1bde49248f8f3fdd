"""The index follows what editors do: publish, edit, unpublish, move, delete, restrict."""

import pytest
from wagtail.models import Page, PageViewRestriction

from cms_pages.models import ProjectPage, StandardPage
from search.selectors import matched_ids


@pytest.fixture
def about(home):
    page = home.add_child(instance=StandardPage(title="关于晋祠讲解", intro="晋祠讲解员招募"))
    page.save_revision().publish()
    return page


@pytest.mark.django_db
def test_published_project_is_found(make_project):
    page = make_project("晋祠小导游志愿讲解服务项目", "依托晋祠博物馆培养小导游")
    assert matched_ids("晋祠") == [page.pk]


@pytest.mark.django_db
def test_draft_is_not_public_but_the_admin_search_finds_it(project_index):
    draft = project_index.add_child(instance=ProjectPage(title="壹元救护车志愿服务项目", summary="募捐", live=False))
    assert matched_ids("救护车") == []
    assert [p.pk for p in Page.objects.search("救护车")] == [draft.pk]


@pytest.mark.django_db
def test_publishing_an_edit_replaces_the_indexed_text(make_project):
    page = make_project("无野趣不童年", "自然教育")
    page.title = "童年自然课"
    page.save_revision().publish()
    assert matched_ids("野趣") == []
    assert matched_ids("自然课") == [page.pk]


@pytest.mark.django_db
def test_unpublished_page_leaves_the_results(make_project):
    page = make_project("龙城颂歌", "理论宣讲")
    page.unpublish()
    assert matched_ids("龙城") == []


@pytest.mark.django_db
def test_moved_page_is_found_at_its_new_address(about, disclosure_index, client):
    about.move(disclosure_index, pos="last-child")
    assert matched_ids("晋祠") == [about.pk]
    body = client.get("/search/", {"q": "晋祠"}).content.decode()
    assert "/disclosure/" in body


@pytest.mark.django_db
def test_deleted_page_leaves_the_index(make_project):
    from wagtail.search.models import IndexEntry

    page = make_project("城市爱心驿站", "为户外作业人员服务")
    pk = page.pk
    page.delete()
    assert matched_ids("驿站") == []
    assert not IndexEntry.objects.filter(object_id=str(pk)).exists()


@pytest.mark.django_db
def test_private_page_is_not_in_public_results(about):
    PageViewRestriction.objects.create(page=about, restriction_type=PageViewRestriction.LOGIN)
    assert matched_ids("晋祠") == []


@pytest.mark.django_db
def test_related_snippet_names_are_searchable(make_project):
    from cms_pages.models import Category, District, Organisation

    page = make_project(
        "助力防汛救灾", "为受灾村落输送物资",
        category=Category.objects.create(name="应急救灾", slug="relief"),
        district=District.objects.create(name="清徐县", slug="qingxu"),
        organisation=Organisation.objects.create(name="勇跃修脚爱心志愿者服务队"),
    )
    assert matched_ids("清徐") == matched_ids("应急") == matched_ids("勇跃") == [page.pk]
