"""The headless API (Wagtail API v3) gives a front end every field it needs."""

import pytest

from cms_pages.models import AnnualReportPage, ProjectPage, ProjectStoryPage

pytestmark = pytest.mark.django_db

PROJECT_FIELDS = {
    "summary", "body", "hero_image", "hero_image_rendition", "category_name", "district_name",
    "organisation_info", "cohort_year", "cohort_year_inferred", "status", "status_label", "origin",
    "start_date", "end_date", "beneficiaries", "volunteers", "service_count", "key_figures",
    "source_note", "gallery", "evaluation_document", "audit_document",
}


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_pages_can_be_listed_by_type(client, demo_site):
    data = get_json(client, "/api/v3/pages/", type="cms_pages.ProjectPage", limit=50)
    assert data["count"] == 41
    assert {item["meta"]["type"] for item in data["items"]} == {"cms_pages.ProjectPage"}


def test_project_detail_has_every_field_a_front_end_needs(client, demo_site):
    project = ProjectPage.objects.get(title="清徐新时代文明实践平台")
    data = get_json(client, f"/api/v3/pages/{project.pk}/")
    assert PROJECT_FIELDS <= set(data)
    assert data["category_name"] == "文明实践平台"
    assert data["district_name"] == "清徐县"
    assert data["status"] == "running" and data["status_label"] == "执行中"
    assert data["cohort_year"] == 2021 and data["cohort_year_inferred"] is True
    assert data["hero_image_rendition"]["url"].endswith(".webp")
    assert data["meta"]["html_url"].endswith(project.url)


def test_organisation_is_given_with_its_inference_flag(client, demo_site):
    project = ProjectPage.objects.get(title="春晖天使计划")
    data = get_json(client, f"/api/v3/pages/{project.pk}/")
    assert data["organisation_info"] == {
        "name": "太原市智慧社区发展中心", "unified_social_credit_code": None, "inferred": True,
    }


def test_story_detail_names_its_project_and_kind(client, demo_site):
    story = ProjectStoryPage.objects.live().first()
    data = get_json(client, f"/api/v3/pages/{story.pk}/")
    assert data["project_id"] == story.get_parent().pk
    assert data["kind"] in {"progress", "closing", "media"} and data["kind_label"]
    assert data["date"] == story.date.isoformat()


def test_report_detail_carries_published_figures(client, demo_site):
    report = AnnualReportPage.objects.get(year=2021)
    data = get_json(client, f"/api/v3/pages/{report.pk}/")
    figures = {f["key"]: f for f in data["published_figures"]}
    assert figures["payable-unpaid"]["amount"] == "771886.20"
    assert figures["projects-executed"]["count"] == 27


def test_openapi_document_describes_project_pages(client, demo_site):
    schema = get_json(client, "/api/v3/openapi.json")
    assert schema["openapi"].startswith("3.")
    text = str(schema)
    assert "organisation_info" in text and "cohort_year" in text


def test_unknown_page_id_is_a_404(client, demo_site):
    assert client.get("/api/v3/pages/999999/").status_code == 404
