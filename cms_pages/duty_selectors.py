"""Projects and the fund as subjects of the law's disclosure duties (see duties.rules).

Registered with duties in CmsPagesConfig.ready; every function runs a bounded number of queries.
"""

from django.utils import timezone
from wagtail.models import Page

from cms_pages.models import (
    AnnualReportPage,
    DutyDisclosurePage,
    ProjectPage,
    ProjectStatus,
    ProjectStoryPage,
    StoryKind,
)
from duties.rules import DutyKind, Publication, Subject, duties_in_short, subject_duties

__all__ = [
    "disclosure_publications", "fund_subject", "project_duties", "project_subject", "project_subjects",
]

# Stories that tell how a project is going; a media report is someone else's account, not ours.
PROGRESS_STORY_KINDS = (StoryKind.PROGRESS, StoryKind.CLOSING)
ENDED_STATUSES = (ProjectStatus.CLOSED, ProjectStatus.EVALUATED)


def _local_day(moment):
    return timezone.localdate(moment) if moment else None


def disclosure_publications(subject_ids) -> dict:
    """Live 专项公示 pages by subject id, as publications dated the day they first went live (one query)."""
    result = {}
    pages = DutyDisclosurePage.objects.live().public().filter(subject_id__in=subject_ids).order_by("first_published_at")
    for page in pages:
        result.setdefault(page.subject_id, []).append(Publication(
            published_on=_local_day(page.first_published_at), kinds=page.covers, title=page.title, url=page.url or "",
            period_start=page.period_start, period_end=page.period_end,
        ))
    return result


def _story_publications(projects) -> dict:
    """Live progress stories by project id (one query), dated by the story's own date as the clock always was.

    Named only "项目进展" (with its link): the page lists each story's title once, just above.
    """
    by_path = {p.path: p.pk for p in projects}
    result = {}
    stories = ProjectStoryPage.objects.live().public().filter(kind__in=PROGRESS_STORY_KINDS)
    if len(projects) == 1:
        stories = stories.child_of(projects[0])
    for story in stories.only("path", "date", "title", "url_path").order_by("date"):
        project_id = by_path.get(story.path[: -Page.steplen])
        if project_id is not None:
            result.setdefault(project_id, []).append(Publication(
                published_on=story.date, kinds=frozenset({DutyKind.PROGRESS}), title="项目进展", url=story.url or "",
            ))
    return result


def _subject(project, publications, leftover):
    return Subject(
        kind="project", pk=project.pk, title=project.title, starts_on=project.start_date, ends_on=project.end_date,
        url=project.url or "", admin_url=f"/admin/pages/{project.pk}/edit/", publications=publications,
        running_without_dates=project.status == ProjectStatus.RUNNING,
        ended=True if project.status in ENDED_STATUSES else None, leftover=leftover,
    )


def project_subject(project) -> Subject:
    """One project with its publications and what its approvals left unpaid (the ledger)."""
    from ledger.selectors import project_totals

    publications = _story_publications([project]).get(project.pk, []) + disclosure_publications([project.pk]).get(project.pk, [])
    # A preview of a project not yet saved has no money of its own (project_id=None would be the fund's).
    leftover = project_totals(project_id=project.pk)["payable"] if project.pk else None
    return _subject(project, publications, leftover)


def project_duties(project, *, today=None, short=False):
    duties = subject_duties(project_subject(project), today=today or timezone.localdate())
    return duties_in_short(duties) if short else duties


def project_subjects():
    """Every live project as a duty subject (four queries whatever the number of projects)."""
    from ledger.selectors import flow_by_project

    projects = list(ProjectPage.objects.live().public().only(
        "pk", "path", "title", "url_path", "start_date", "end_date", "status"))
    stories = _story_publications(projects)
    disclosures = disclosure_publications([p.pk for p in projects])
    leftovers = {row["project_id"]: row["payable"] for row in flow_by_project()}
    for project in projects:
        yield _subject(project, stories.get(project.pk, []) + disclosures.get(project.pk, []), leftovers.get(project.pk))


def fund_subject():
    """The fund itself, for the annual report due by 31 May, from the year of its first live report."""
    reports = list(AnnualReportPage.objects.live().public().only("year", "published_on", "first_published_at", "title", "url_path"))
    if not reports:
        return []
    from datetime import date

    publications = [
        Publication(published_on=r.published_on or _local_day(r.first_published_at),
                    kinds=frozenset({DutyKind.ANNUAL_REPORT}), title=r.title, url=r.url or "",
                    period_start=date(r.year, 1, 1), period_end=date(r.year, 12, 31))
        for r in reports
    ]
    return [Subject(kind="fund", pk=0, title="年度报告", starts_on=None, url="", publications=publications,
                    first_report_year=min(r.year for r in reports))]
