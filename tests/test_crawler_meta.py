"""What a crawler or a link-sharing reader meets: the Site's address, descriptions, canonical links, the
sitemap, robots.txt, the favicon, the Atom feed's dates and author, and the home page through the API."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Site

from cms_pages.models import AnnualReportPage, HomePage, ProjectIndexPage, ProjectPage, ProjectStoryPage
from fundsite.sites import base_url_host_port, default_site_sync

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def meta_description(body):
    match = re.search(r'<meta name="description" content="([^"]*)"', body)
    assert match, "no meta description"
    return match.group(1)


def canonical(body):
    found = re.findall(r'<link rel="canonical" href="([^"]*)"', body)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(("url", "expected"), [
    ("https://fund.example.cn", ("fund.example.cn", 443)),
    ("http://127.0.0.1:8140/", ("127.0.0.1", 8140)),
    ("http://example.org", ("example.org", 80)),
])
def test_base_url_gives_host_and_port(url, expected):
    assert base_url_host_port(url) == expected


def test_demo_site_answers_at_site_base_url_not_localhost(client, demo_site, settings):
    site = Site.objects.get(is_default_site=True)
    assert site.root_url == settings.SITE_BASE_URL.rstrip("/")
    body = html(client, "/")
    assert "http://localhost/" not in body
    assert f'<meta property="og:url" content="{settings.SITE_BASE_URL.rstrip("/")}/">' in body
    assert "http://localhost/" not in html(client, "/sitemap.xml")


def test_site_sync_command_follows_a_changed_base_url(demo_site, settings):
    settings.SITE_BASE_URL = "https://fund.example.cn"
    call_command("site_sync", stdout=__import__("io").StringIO())
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("fund.example.cn", 443)
    assert ProjectPage.objects.live().first().full_url.startswith("https://fund.example.cn/projects/")


def test_site_sync_without_a_site_says_so(db):
    Site.objects.all().delete()
    assert default_site_sync("https://fund.example.cn") is None
    with pytest.raises(CommandError):
        call_command("site_sync")


def test_each_page_type_has_its_own_description_and_one_canonical_link(client, demo_site):
    project = ProjectPage.objects.live().get(title="清徐新时代文明实践平台")
    story = ProjectStoryPage.objects.live().first()
    report = AnnualReportPage.objects.live().get(year=2021)
    pages = [HomePage.objects.get(), ProjectIndexPage.objects.get(), project, story, report]
    descriptions = {}
    for page in pages:
        body = html(client, page.url)
        descriptions[page.url] = meta_description(body)
        assert canonical(body) == page.full_url
    assert len(set(descriptions.values())) == len(pages), descriptions
    assert descriptions[project.url].startswith(project.summary[:20])


def test_search_description_wins_over_the_intro(client, demo_site):
    project = ProjectPage.objects.live().first()
    project.search_description = "编辑写给搜索引擎的一句话。"
    project.save_revision().publish()
    assert meta_description(html(client, project.url)) == "编辑写给搜索引擎的一句话。"


def test_a_filtered_listing_is_canonical_to_the_listing_itself(client, demo_site):
    index = ProjectIndexPage.objects.get()
    assert canonical(html(client, f"{index.url}?year=2021")) == index.full_url


def test_views_outside_the_page_tree_have_a_canonical_link(client, demo_site, settings):
    assert canonical(html(client, "/fund/")) == settings.SITE_BASE_URL.rstrip("/") + "/fund/"


def test_sitemap_lists_the_fund_page_and_the_log(client, demo_site):
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 (our own response)
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    base = demo_site.root_url
    assert f"{base}/fund/" in locations and f"{base}/fund/log/" in locations
    assert f"{base}/" in locations
    assert len(locations) == len(set(locations))


def test_robots_txt_points_at_the_sitemap_and_keeps_out_of_private_pages(client, demo_site, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {settings.SITE_BASE_URL.rstrip('/')}/sitemap.xml" in lines
    assert {"Disallow: /admin/", "Disallow: /donations/", "Disallow: /receipts/"} <= set(lines)
    assert "Disallow: /" not in lines and "Disallow: /fund/" not in lines


def test_favicon_is_our_own_svg_linked_from_every_page(client, demo_site):
    body = html(client, "/")
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', body)
    assert match and match.group(1).startswith("/static/")
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect["Location"] == match.group(1)


def test_atom_entries_are_dated_from_the_story_and_signed(client, demo_site):
    feed = ET.fromstring(client.get("/feeds/stories.atom").content)  # noqa: S314 (our own response)
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    stories = {s.full_url: s for s in ProjectStoryPage.objects.live()}
    for entry in entries:
        story = stories[entry.find(f"{ATOM}id").text]
        assert entry.find(f"{ATOM}published").text.startswith(story.date.isoformat() + "T00:00:00")
        assert entry.find(f"{ATOM}updated").text.startswith(story.date.isoformat())
        assert entry.find(f"{ATOM}author/{ATOM}name").text == "志愿城市·太原"
    newest = max(s.date for s in stories.values())
    assert feed.find(f"{ATOM}updated").text.startswith(newest.isoformat())


def test_home_page_is_readable_through_the_api(client, demo_site):
    home = HomePage.objects.get()
    response = client.get(f"/api/v3/pages/{home.pk}/")
    assert response.status_code == 200, response.content[:500]
    data = response.json()
    assert data["tagline"] == home.tagline
    featured = [f.project_id for f in home.featured_projects.all()]
    assert featured and [item["project"]["id"] for item in data["featured_projects"]] == featured
    assert {item["project"]["meta"]["type"] for item in data["featured_projects"]} == {"cms_pages.ProjectPage"}
