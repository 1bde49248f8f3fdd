"""The page tree allows only the shapes the site is built for."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from cms_pages.models import (
    AnnualReportPage,
    DisclosureIndexPage,
    HomePage,
    ProjectIndexPage,
    ProjectPage,
    ProjectStoryPage,
    StandardPage,
)


class PageTreeRulesTests(WagtailPageTestCase):
    def test_home_page_sits_under_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_project_index_lives_under_home_and_holds_projects(self):
        self.assertAllowedParentPageTypes(ProjectIndexPage, {HomePage})
        self.assertCanCreateAt(ProjectIndexPage, ProjectPage)
        self.assertCanNotCreateAt(ProjectIndexPage, ProjectStoryPage)
        self.assertCanNotCreateAt(ProjectIndexPage, AnnualReportPage)

    def test_project_lives_under_the_index_and_holds_stories(self):
        self.assertAllowedParentPageTypes(ProjectPage, {ProjectIndexPage})
        self.assertCanCreateAt(ProjectPage, ProjectStoryPage)
        self.assertCanNotCreateAt(ProjectPage, ProjectPage)
        self.assertCanNotCreateAt(HomePage, ProjectPage)

    def test_story_lives_only_under_a_project_and_is_a_leaf(self):
        self.assertAllowedParentPageTypes(ProjectStoryPage, {ProjectPage})
        self.assertAllowedSubpageTypes(ProjectStoryPage, set())

    def test_annual_report_lives_under_the_disclosure_index_and_is_a_leaf(self):
        self.assertAllowedParentPageTypes(AnnualReportPage, {DisclosureIndexPage})
        self.assertAllowedSubpageTypes(AnnualReportPage, set())
        self.assertCanCreateAt(DisclosureIndexPage, StandardPage)

    def test_standard_pages_nest_under_home_disclosure_or_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage, DisclosureIndexPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})

    def test_singletons_are_limited_to_one(self):
        for model in (HomePage, ProjectIndexPage, DisclosureIndexPage):
            self.assertEqual(model.max_count, 1, model.__name__)
