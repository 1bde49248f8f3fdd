"""The Elasticsearch backend, checked request by request against the documented REST API.

The client is the real ``elasticsearch`` client; only the HTTP node is replaced by
an in-memory server (tests/search/fake_elasticsearch.py).
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from modelsearch.backends import get_search_backend
from wagtail.models import Page

from cms_pages.models import ProjectPage
from search.backends.elasticsearch import ElasticsearchSearchBackend
from tests.search.fake_elasticsearch import FakeCluster, fake_node_class

ALIAS = "test__wagtailcore_page"


@pytest.fixture
def cluster():
    return FakeCluster()


@pytest.fixture
def es_settings(cluster):
    backends = {"default": {
        "BACKEND": "search.backends.elasticsearch", "URLS": ["http://es.test:9200"], "INDEX_PREFIX": "test",
        "OPTIONS": {"node_class": fake_node_class(cluster)},
    }}
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        yield


def requests_to(cluster, method, suffix):
    return [r for r in cluster.requests if r[0] == method and r[1].endswith(suffix)]


def test_backend_without_url_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="ELASTICSEARCH_URL"):
        ElasticsearchSearchBackend({"URLS": [""]})


@pytest.mark.django_db
def test_publishing_creates_index_with_whitespace_mapping_and_alias(es_settings, cluster, make_project):
    make_project("灵星自闭症大龄青年手工技能培训基地", "教授大龄自闭症孩子烘焙技能")
    created = [r for r in cluster.requests if r[0] == "PUT" and r[1].startswith(f"/{ALIAS}_") and "_alias" not in r[1]]
    assert created, "the first write creates a concrete index behind the alias"
    mappings = created[0][3]["mappings"]
    for field in ("title", "body", "autocomplete"):
        assert mappings["properties"][field]["type"] == "text"
        assert mappings["properties"][field]["analyzer"] == "whitespace"
    assert mappings["properties"]["content_types"] == {"type": "keyword"}
    assert mappings["dynamic_templates"][0]["filters_as_keywords"]["mapping"] == {"type": "keyword"}
    assert cluster.aliases[ALIAS] == {created[0][1].strip("/")}


@pytest.mark.django_db
def test_documents_are_bulk_indexed_with_the_shared_analysis(es_settings, cluster, make_project):
    page = make_project("晋祠小导游", "依托晋祠博物馆")
    bulk = requests_to(cluster, "PUT", "/_bulk") + requests_to(cluster, "POST", "/_bulk")
    action, source = bulk[-1][3][-2:]
    assert action == {"index": {"_index": ALIAS, "_id": str(page.pk)}}
    title = source["title"].split()
    assert title[:9] == ["晋", "祠", "小", "导", "游", "晋祠", "祠小", "小导", "导游"]
    # The title's pinyin follows its characters: syllables, syllable pairs, initial pairs.
    assert {"0pjin", "0pjinci", "0pxiaodao", "0ijc", "0idy"} <= set(title[9:])
    assert "0pjinci" in source["body"].split()
    assert "博物" in source["body"].split()
    assert source["content_types"] == ["cms_pages.projectpage", "wagtailcore.page"]
    assert source["filter__live"] is True
    assert source["pk_order"] == page.pk


@pytest.mark.django_db
def test_search_sends_constant_score_token_query_and_returns_pages_in_score_order(es_settings, cluster, make_project):
    in_body = make_project("钢琴陪练志愿者培训计划", "教授自闭症孩子钢琴技能")
    in_title = make_project("自闭症儿童成长关爱计划", "一对一关爱帮扶")
    make_project("关爱老人义务修脚", "为老人义务修脚")
    results = list(Page.objects.live().search("自闭症"))
    assert [p.pk for p in results] == [in_title.pk, in_body.pk]
    body = requests_to(cluster, "POST", "/_search")[-1][3]
    # The planned query: the match as a filter, the score as constant_score clauses in should.
    scored = body["query"]["bool"]["must"][0]["bool"]
    # 自闭症 or its synonym 孤独症: each alternative needs all its tokens.
    must = scored["filter"][0]["bool"]["should"][0]["bool"]["must"]
    assert [m["bool"]["should"][0]["constant_score"]["filter"]["term"]["title"] for m in must] == ["自闭", "闭症"]
    tokens = scored["should"][:2]
    assert [t["bool"]["should"][0]["constant_score"]["filter"]["term"]["title"] for t in tokens] == ["自闭", "闭症"]
    assert tokens[0]["bool"]["should"][0]["constant_score"]["boost"] == 3.0
    assert tokens[0]["bool"]["should"][1]["constant_score"]["boost"] == 1.0
    # Synonyms (自闭症/孤独症) score too, and the word found adds its 1000.
    assert {"孤独", "独症"} <= {t["bool"]["should"][0]["constant_score"]["filter"]["term"]["title"]
                              for t in scored["should"] if "bool" in t}
    assert scored["should"][-1]["constant_score"]["boost"] == 1000.0
    assert {"term": {"content_types": "wagtailcore.page"}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == "_score"
    assert body["_source"] is False


@pytest.mark.django_db
def test_queryset_filters_become_term_and_prefix_filters(es_settings, cluster, make_project, project_index):
    make_project("自闭症儿童成长关爱计划", "一对一关爱帮扶")
    results = list(Page.objects.live().descendant_of(project_index).search("关爱"))
    assert len(results) == 1
    filters = str(requests_to(cluster, "POST", "/_search")[-1][3]["query"]["bool"]["filter"])
    assert "'filter__live': True" in filters
    assert "'prefix': {'filter__path'" in filters


@pytest.mark.django_db
def test_unpublish_and_delete_leave_the_results(es_settings, cluster, make_project):
    page = make_project("清徐新时代文明实践平台", "清徐县")
    assert [p.pk for p in Page.objects.live().search("清徐")] == [page.pk]
    page.unpublish()
    assert list(Page.objects.live().search("清徐")) == []
    page.delete()
    assert requests_to(cluster, "DELETE", f"/_doc/{page.pk}")
    assert all(str(page.pk) not in index["docs"] for index in cluster.indices.values())


@pytest.mark.django_db
def test_facet_reads_the_terms_aggregation(es_settings, cluster, make_project):
    make_project("自闭症儿童成长关爱计划", "关爱", cohort_year=2021)
    make_project("灵星自闭症基地", "自闭症", cohort_year=2019)
    make_project("钢琴陪练", "自闭症孩子", cohort_year=2019)
    facet = ProjectPage.objects.live().search("自闭症").facet("cohort_year")
    assert dict(facet) == {2019: 2, 2021: 1}
    assert requests_to(cluster, "POST", "/_search")[-1][3]["aggs"]["facet"]["terms"]["field"] == "filter__cohort_year"


@pytest.mark.django_db
def test_count_uses_track_total_hits(es_settings, cluster, make_project):
    for n in range(3):
        make_project(f"文明交通志愿服务项目{n}", "文明交通")
    assert Page.objects.live().search("文明交通").count() == 3


@pytest.mark.django_db
def test_rebuild_fills_a_new_index_then_swaps_the_alias_atomically(es_settings, cluster, make_project):
    page = make_project("非遗彩虹之旅", "非遗技艺")
    old = set(cluster.aliases[ALIAS])
    cluster.requests.clear()
    call_command("search_rebuild", verbosity=0)
    swap = requests_to(cluster, "POST", "/_aliases")
    actions = [a for r in swap for a in r[3]["actions"] if a.get("remove", a.get("add"))["alias"] == ALIAS]
    new = cluster.aliases[ALIAS]
    assert new != old and len(new) == 1
    assert {"remove": {"index": old.pop(), "alias": ALIAS}} in actions
    assert {"add": {"index": next(iter(new)), "alias": ALIAS}} in actions
    # The old index is dropped only after the swap.
    methods = [(r[0], r[1]) for r in cluster.requests]
    assert methods.index(("POST", "/_aliases")) < max(i for i, m in enumerate(methods) if m[0] == "DELETE")
    assert [p.pk for p in Page.objects.live().search("非遗")] == [page.pk]


@pytest.mark.django_db
def test_empty_and_symbol_only_queries_send_no_request(es_settings, cluster, make_project):
    make_project("非遗彩虹之旅", "非遗技艺")
    cluster.requests.clear()
    for query in ["", "   ", '"*-', "😀", "，。"]:
        assert list(get_search_backend().search(query, Page)) == []
    assert requests_to(cluster, "POST", "/_search") == []


@pytest.mark.django_db
def test_plan_counts_come_from_one_filters_aggregation_and_partial_matches_are_ranked(es_settings, cluster, make_project):
    piano = make_project("钢琴陪练", "钢琴")
    foot = make_project("关爱老人义务修脚", "修脚")
    for title in ("文明交通", "垃圾分类", "晋祠讲解", "植树添绿", "戏曲传播", "大漆传习", "防汛救灾", "城市驿站"):
        make_project(title, "志愿服务")
    from search.selectors import search_matches

    ids, plan = search_matches("钢琴 修脚")
    assert plan.relaxed
    assert set(ids) == {piano.pk, foot.pk}
    searches = [r[3] for r in requests_to(cluster, "POST", "/_search")]
    aggregations = [b["aggs"]["groups"]["filters"]["filters"] for b in searches if "groups" in b.get("aggs", {})]
    assert aggregations, "the counts are asked in one filters aggregation"
    assert {"terms": {"content_types": ["cms_pages.projectpage", "cms_pages.projectstorypage",
                                        "cms_pages.annualreportpage", "cms_pages.standardpage"]}} in (
        aggregations[0]["0"]["bool"]["filter"])
    assert requests_to(cluster, "POST", "/_count") or requests_to(cluster, "GET", "/_count")
    relaxed = searches[-1]["query"]["bool"]["must"][0]["bool"]
    # Either word will do (each is half the query's weight); each found adds its rarity times 1000.
    assert "should" in relaxed["filter"][0]["bool"]
    boosts = [c["constant_score"]["boost"] for c in relaxed["should"] if "constant_score" in c]
    assert boosts == [23000.0, 23000.0]


@pytest.mark.django_db
def test_traditional_and_pinyin_queries_find_the_page_on_elasticsearch(es_settings, cluster, make_project):
    page = make_project("晋祠小导游", "依托晋祠博物馆")
    make_project("关爱老人义务修脚", "修脚")
    for typed in ("晉祠", "jinci", "jc", "晋祠导游"):
        assert [p.pk for p in Page.objects.live().search(typed)] == [page.pk], typed
