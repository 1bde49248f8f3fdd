"""What the database backends do beyond the evaluation set: scoring rules, planner settings, first pages, long id lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from modelsearch.query import And, Not, Or, PlainText
from wagtail.models import Page

from cms_pages.models import ProjectPage
from search.backends.common import required_tokens
from search.selectors import matched_ids
from search.sql import IdList

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL planner settings (DATABASE_URL=postgres://…)"
)


def test_required_tokens_follow_and_or_not():
    assert required_tokens(PlainText("晋祠 祠堂")) == {"晋祠", "祠堂"}
    assert required_tokens(PlainText("晋祠 老人", operator="or")) == set()
    assert required_tokens(PlainText("晋祠", operator="or")) == {"晋祠"}
    assert required_tokens(And([PlainText("晋祠"), PlainText("老人")])) == {"晋祠", "老人"}
    assert required_tokens(Or([PlainText("晋祠 老人"), PlainText("晋祠 儿童")])) == {"晋祠"}
    assert required_tokens(And([PlainText("晋祠"), Not(PlainText("老人"))])) == {"晋祠"}


@pytest.mark.django_db
def test_a_word_only_in_a_title_is_found_and_ranks_above_the_body(make_project):
    in_body = make_project("社区助老服务", "组织志愿者到晋祠讲解")
    in_title = make_project("晋祠讲解队", "周末为游客讲解历史")
    assert matched_ids("晋祠") == [in_title.pk, in_body.pk]


@pytest.mark.django_db
def test_an_or_query_ranks_pages_holding_more_of_its_words_first(make_project):
    # Under OR no word is required, so each one's presence in the body is tested, not assumed.
    one = make_project("社区服务甲", "每周探访老人")
    both = make_project("社区服务乙", "在清徐探访老人")
    none = make_project("社区服务丙", "整理图书")
    results = Page.objects.live().search("清徐 老人", operator="or")
    ranked = [page.pk for page in results]
    assert ranked == [both.pk, one.pk]
    assert none.pk not in ranked


@pytest.mark.django_db
def test_id_lists_longer_than_any_parameter_limit_are_one_parameter(make_project):
    page = make_project("晋祠讲解队", "周末为游客讲解历史")
    ids = [*range(10_000_000, 10_040_000), page.pk]
    with CaptureQueriesContext(connection) as queries:
        found = list(Page.objects.filter(pk__in=IdList(ids)).values_list("pk", flat=True))
    assert found == [page.pk]
    assert len(queries) == 1


@pytest.mark.django_db
def test_id_list_refuses_what_is_not_an_id():
    with pytest.raises(ValueError):
        IdList(["1); DROP TABLE wagtailcore_page; --"])


def _settings():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), current_setting('jit')"
        )
        return cursor.fetchone()


@needs_postgresql
@pytest.mark.django_db
def test_postgresql_search_leaves_the_planner_as_it_found_it(make_project):
    make_project("晋祠讲解队", "周末为游客讲解历史")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
    before = _settings()
    assert matched_ids("晋祠")
    assert list(Page.objects.live().search("晋祠")[:1])
    assert _settings() == before
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
    assert matched_ids("晋祠")
    assert _settings() == (*before[:2], "on")


@needs_postgresql
@pytest.mark.django_db
def test_postgresql_answers_the_match_from_the_gin_index(make_project):
    make_project("晋祠讲解队", "组织志愿者讲解")
    from search.backends.postgres import BITMAP_SCAN_SETTINGS

    with CaptureQueriesContext(connection) as queries:
        matched_ids("晋祠 讲解")
    ranked = next(query["sql"] for query in queries if "@@" in query["sql"] and "ORDER BY" in query["sql"])
    with connection.cursor() as cursor:
        for name, value in BITMAP_SCAN_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute("EXPLAIN " + ranked)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on wagtailsear_body_" in plan
    assert "Seq Scan on wagtailsearch_indexentry" not in plan



@pytest.mark.django_db
def test_a_first_page_is_right_when_filters_turn_away_the_best_matches(project_index, make_project):
    # Drafts are indexed too (editors search them in the admin) and, with the word in their
    # titles, outrank every live page: a first page must still be the best *live* pages.
    for n in range(45):
        project_index.add_child(instance=ProjectPage(title=f"晋祠草稿{n}", summary="草稿", live=False))
    second = make_project("社区讲解队", "带游客参观晋祠")
    first = make_project("讲解队", "带游客参观晋祠")
    assert Page.objects.search("晋祠").count() == 47
    live = Page.objects.live()
    assert [page.pk for page in live.search("晋祠")[:1]] == [first.pk]
    assert [page.pk for page in live.search("晋祠")[1:2]] == [second.pk]
    assert [page.pk for page in live.search("晋祠")[:10]] == [first.pk, second.pk]
    assert live.search("晋祠").count() == 2
