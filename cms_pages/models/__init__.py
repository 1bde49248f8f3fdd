"""Content models, split by family; import from here."""

from cms_pages.models.disclosures import DisclosureKind, DutyDisclosurePage
from cms_pages.models.home import FundSettings, HomeFeaturedProject, HomePage
from cms_pages.models.images import FundImage, FundRendition
from cms_pages.models.projects import (
    ProjectGalleryImage,
    ProjectIndexPage,
    ProjectOrigin,
    ProjectPage,
    ProjectStatus,
)
from cms_pages.models.reports import (
    AnnualReportPage,
    DisclosureIndexPage,
    FigureAction,
    FigureRecord,
    FigureRecordImmutableError,
    HeadPinImmutableError,
    PublishedFigure,
    ReportHeadPin,
)
from cms_pages.models.snippets import Category, District, Organisation
from cms_pages.models.standard import StandardPage
from cms_pages.models.stories import ProjectStoryPage, StoryKind

__all__ = [
    "AnnualReportPage", "Category", "DisclosureIndexPage", "DisclosureKind", "DutyDisclosurePage", "District", "FundImage", "FundRendition",
    "FigureAction", "FigureRecord", "FigureRecordImmutableError", "FundSettings", "HeadPinImmutableError", "HomeFeaturedProject", "HomePage", "Organisation", "ProjectGalleryImage",
    "ProjectIndexPage", "ProjectOrigin", "ProjectPage", "ProjectStatus", "ProjectStoryPage",
    "PublishedFigure", "ReportHeadPin", "StandardPage", "StoryKind",
]
