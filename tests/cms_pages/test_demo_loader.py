"""The demo loader builds the fund's content from its reports, and loading twice changes nothing."""

import json

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from cms_pages.models import AnnualReportPage, FundImage, ProjectPage, ProjectStoryPage, PublishedFigure

pytestmark = pytest.mark.django_db


def facts():
    with open(settings.DEMO_FACTS_FILE, encoding="utf-8") as f:
        return json.load(f)


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_loading_twice_changes_nothing(db):
    call_command("load_demo", verbosity=0)
    first = row_counts()
    call_command("load_demo", verbosity=0)
    second = row_counts()
    changed = {label: (first[label], second[label]) for label in first if first[label] != second[label]}
    assert changed == {}
    assert first["cms_pages.ProjectPage"] == 41


def test_every_project_carries_the_facts_of_its_report(demo_site):
    for report in facts()["reports"]:
        for item in report["projects"]:
            page = ProjectPage.objects.get(title=item["name"])
            assert page.category.name == item["category"]
            assert (page.district.name if page.district else None) == item.get("district")
            assert (page.organisation.name if page.organisation else None) == item.get("organization")
            assert page.organisation_inferred == bool(item.get("organization_inferred"))
            assert page.cohort_year == item.get("cohort", report["year"])
            if item.get("status"):
                assert page.get_status_display() == item["status"]
            if item.get("summary"):
                assert page.summary == item["summary"]
            if (item.get("numbers") or {}).get("beneficiaries"):
                assert page.beneficiaries == item["numbers"]["beneficiaries"]


def test_inferred_facts_are_flagged_not_stated(demo_site):
    inferred = ProjectPage.objects.get(title="春晖天使计划")
    assert inferred.organisation_inferred
    stated = ProjectPage.objects.get(title="灵星自闭症大龄青年手工技能培训基地")
    assert not stated.organisation_inferred


def test_each_project_has_a_story_that_names_its_source(demo_site):
    for project in ProjectPage.objects.all():
        stories = ProjectStoryPage.objects.child_of(project)
        assert stories.count() >= 1, project.title
        assert all("年度" in s.source_note for s in stories)


def test_reports_carry_their_published_figures_exactly(demo_site):
    for report in facts()["reports"]:
        page = AnnualReportPage.objects.get(year=report["year"])
        for key, value in report["figures"].items():
            figure = PublishedFigure.objects.get(page=page, key=key.replace("_", "-"))
            if isinstance(value, str):
                assert str(figure.amount) == value
            else:
                assert figure.count == value
    elderly = PublishedFigure.objects.get(page__year=2019, key="invested-elderly")
    assert str(elderly.amount) == "96766.00" and elderly.count == 4


def test_generated_pictures_are_marked_as_illustrations(demo_site):
    images = FundImage.objects.all()
    assert images.exists()
    assert all(image.is_illustration and not image.depicts_people for image in images)
