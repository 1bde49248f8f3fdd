"""Every page type renders in Chinese for a visitor, with the facts from the reports."""

import json

import pytest
from django.conf import settings

from cms_pages.models import AnnualReportPage, ProjectPage, ProjectStoryPage, StandardPage

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_home_page_shows_purpose_counts_featured_projects_stories_and_latest_report(client, demo_site):
    html = get(client, "/")
    assert '<html lang="zh-Hans">' in html
    assert "基金宗旨" in html
    assert "<strong>41</strong><span>资助项目</span>" in html
    assert "推荐项目" in html and "最新进展" in html
    latest = AnnualReportPage.objects.order_by("-year").first()
    assert latest.title in html


def test_every_project_page_renders_its_facts(client, demo_site):
    with open(settings.DEMO_FACTS_FILE, encoding="utf-8") as f:
        facts = json.load(f)
    expected = {p["name"]: p for r in facts["reports"] for p in r["projects"]}
    projects = ProjectPage.objects.live()
    assert projects.count() == 41
    for project in projects:
        html = get(client, project.url)
        item = expected[project.title]
        assert item["category"] in html
        if item.get("district"):
            assert item["district"] in html
        if item.get("organization"):
            assert item["organization"] in html
        if item.get("summary"):
            assert item["summary"] in html
        assert "项目进展" in html


def test_story_page_links_back_to_its_project(client, demo_site):
    story = ProjectStoryPage.objects.live().first()
    html = get(client, story.url)
    project = story.get_parent()
    assert f'href="{project.url}"' in html
    assert 'property="og:type" content="article"' in html


def test_annual_report_pages_show_published_figures_and_2019_lessons(client, demo_site):
    report_2019 = AnnualReportPage.objects.get(year=2019)
    html = get(client, report_2019.url)
    assert "6500200.00" in html.replace(",", "")
    assert "项目申报、审核、执行阶段的跟踪时效性有待提高" in html
    assert "落地专项基金整合推广计划" in html
    html_2021 = get(client, AnnualReportPage.objects.get(year=2021).url)
    assert "771886.20" in html_2021.replace(",", "")
    assert "项目大赛—项目入库—项目展示—项目支持" in html_2021


def test_disclosure_index_and_standard_page_render(client, demo_site):
    html = get(client, "/disclosure/")
    for report in AnnualReportPage.objects.all():
        assert report.title in html
    about = StandardPage.objects.get(slug="about")
    assert "太原市志愿者服务协会" in get(client, about.url)


def test_pages_carry_opengraph_tags_for_sharing(client, demo_site):
    project = ProjectPage.objects.live().exclude(hero_image=None).first()
    html = get(client, project.url)
    assert f'<meta property="og:title" content="{project.title}">'.replace('"', '"') in html or 'property="og:title"' in html
    assert 'property="og:description"' in html and project.summary[:20] in html
    assert 'property="og:image" content="http' in html


def test_breadcrumbs_lead_back_home(client, demo_site):
    story = ProjectStoryPage.objects.live().first()
    html = get(client, story.url)
    assert 'aria-label="当前位置"' in html
    assert '<a href="/">首页</a>' in html
    assert '<a href="/projects/">资助项目</a>' in html


def test_images_are_responsive_webp_with_fallback_and_lazy(client, demo_site):
    html = get(client, "/projects/")
    assert html.count("<picture>") == html.count("</picture>") > 0
    assert 'type="image/webp"' in html and ".webp 800w" in html
    assert ".jpg 400w" in html  # the fallback for browsers without WebP
    assert 'loading="lazy"' in html


def test_illustrations_are_labelled_as_such(client, demo_site):
    project = ProjectPage.objects.live().exclude(hero_image=None).first()
    assert project.hero_image.is_illustration
    assert "示意图，非项目现场照片" in get(client, project.url)


def test_sitemap_lists_every_project(client, demo_site):
    xml = get(client, "/sitemap.xml")
    for project in ProjectPage.objects.live():
        assert project.full_url in xml


def test_atom_feed_lists_the_newest_stories(client, demo_site):
    response = client.get("/feeds/stories.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    newest = ProjectStoryPage.objects.live().order_by("-date", "-pk").first()
    assert newest.title in body
    assert body.count("<entry>") == min(30, ProjectStoryPage.objects.live().count())


def test_unknown_path_is_a_404_not_a_500(client, demo_site):
    assert client.get("/projects/no-such-project/").status_code == 404
