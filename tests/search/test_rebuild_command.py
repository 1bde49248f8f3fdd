"""manage.py search_rebuild: rebuilds from the pages and shows its progress."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.search.models import IndexEntry

from search.management.commands.search_rebuild import progress_bar
from search.selectors import matched_ids


def test_progress_bar_shows_share_count_and_label():
    assert progress_bar(60, 200, "cms_pages.ProjectPage") == (
        "[#########.....................]  30% 60/200 cms_pages.ProjectPage"
    )
    assert progress_bar(0, 0, "完成").startswith("[##############################] 100%")


@pytest.mark.django_db
def test_rebuild_restores_a_lost_index_and_reports_progress(make_project):
    page = make_project("晋祠小导游", "依托晋祠博物馆")
    IndexEntry.objects.all().delete()
    assert matched_ids("晋祠") == []
    out = StringIO()
    call_command("search_rebuild", stdout=out)
    assert matched_ids("晋祠") == [page.pk]
    lines = out.getvalue().splitlines()
    assert "100%" in lines[-2] and lines[-1].startswith("已索引")


@pytest.mark.django_db
def test_rebuild_drops_entries_of_objects_that_no_longer_exist(make_project):
    page = make_project("晋祠小导游", "依托晋祠博物馆")
    IndexEntry.objects.filter(object_id=str(page.pk)).update(object_id="999999")
    call_command("search_rebuild", stdout=StringIO())
    assert not IndexEntry.objects.filter(object_id="999999").exists()


@pytest.mark.django_db
def test_chunk_size_below_one_is_refused(make_project):
    err = StringIO()
    call_command("search_rebuild", chunk_size=0, stdout=StringIO(), stderr=err)
    assert "at least 1" in err.getvalue()
