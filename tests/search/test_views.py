"""The search page and the search API, as a visitor and a front end use them."""

import pytest

from cms_pages.models import Category, District, ProjectStoryPage, StoryKind

BAD_INPUTS = [
    "", "   ", "晋" * 10_000, "x" * 10_000, '"', '"晋祠', "*", "晋*", "NEAR", "晋祠 NEAR 老人", "NEAR(晋祠 老人)",
    "AND", "晋祠 AND 老人", "OR", "NOT", "-", "-晋祠", "晋祠 -老人", "'", "''", "\\", "'; DROP TABLE wagtailcore_page; --",
    "1 OR 1=1", "%", "_", "😀", "晋祠😀", "，。！？「」", "（晋祠）", "{title}:晋祠", "^晋祠", "晋祠:*",
]


@pytest.fixture
def projects(make_project):
    elderly = Category.objects.create(name="关爱老人", slug="elderly")
    children = Category.objects.create(name="关爱儿童", slug="children")
    qingxu = District.objects.create(name="清徐县", slug="qingxu")
    made = {
        "修脚": make_project("关爱老人义务修脚", "每月到养老院为老人义务修脚", category=elderly, cohort_year=2019),
        "春晖": make_project("春晖天使计划", "走进失独老人身边做家务", category=elderly, cohort_year=2019),
        "巾帼": make_project("巾帼爱心行", "为失独老人提供入户服务", category=elderly, cohort_year=2021,
                           district=qingxu, status="running"),
        "灵星": make_project("灵星自闭症基地", "教授大龄自闭症孩子烘焙技能", category=children, cohort_year=2019),
    }
    story = made["巾帼"].add_child(instance=ProjectStoryPage(
        title="巾帼爱心行结项", summary="为老人服务 700 次", kind=StoryKind.CLOSING, date="2022-01-10"))
    story.save_revision().publish()
    made["story"] = story
    return made


@pytest.mark.django_db
def test_results_are_highlighted_and_link_to_pages(client, projects):
    body = client.get("/search/", {"q": "自闭症"}).content.decode()
    assert "灵星<mark>自闭症</mark>基地" in body
    assert "大龄<mark>自闭症</mark>孩子" in body
    assert projects["灵星"].url in body


@pytest.mark.django_db
def test_facets_count_results_by_kind_category_year_district_and_status(client, projects):
    facets = client.get("/search/", {"q": "老人"}).context["outcome"].facets
    counts = {name: {o["label"]: o["count"] for o in facet["options"]} for name, facet in facets.items()}
    assert counts["kind"] == {"项目": 3, "项目结项": 1}
    assert counts["category"] == {"关爱老人": 4}
    assert counts["year"] == {"2019": 2, "2021": 1, "2022": 1}
    assert counts["district"] == {"清徐县": 2}
    assert counts["status"] == {"已立项": 2, "执行中": 2}


@pytest.mark.django_db
def test_filters_narrow_results_and_stay_in_every_link(client, projects):
    response = client.get("/search/", {"q": "老人", "year": "2019", "sort": "newest"})
    outcome = response.context["outcome"]
    assert {hit.page.pk for hit in outcome.hits} == {projects["修脚"].pk, projects["春晖"].pk}
    body = response.content.decode()
    assert "year=2019" in body and "sort=newest" in body
    # The year facet still offers 2021 with its count, and removing the filter is one link away.
    year_options = {o["value"]: o for o in outcome.facets["year"]["options"]}
    assert year_options["2021"]["count"] == 1
    assert year_options["2019"]["selected"]
    assert "year=2019" not in year_options["2019"]["url"]


@pytest.mark.django_db
def test_unknown_filter_value_gives_no_results_and_a_way_back(client, projects):
    response = client.get("/search/", {"q": "老人", "district": "火星"})
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome.total == 0
    assert any("去掉筛选条件" in s["label"] for s in outcome.suggestions)


@pytest.mark.django_db
def test_newest_sort_puts_the_latest_content_first(client, projects):
    hits = client.get("/search/", {"q": "老人", "sort": "newest"}).context["outcome"].hits
    assert hits[0].page.pk == projects["story"].pk


@pytest.mark.django_db
def test_pagination_keeps_query_and_reports_out_of_range_pages(client, make_project):
    for n in range(23):
        make_project(f"文明交通示范岗{n}", "文明交通")
    first = client.get("/search/", {"q": "文明交通"})
    assert first.context["outcome"].page_obj.paginator.num_pages == 3
    assert "page=2" in first.content.decode()
    last = client.get("/search/", {"q": "文明交通", "page": "99"})
    assert last.context["outcome"].page_obj.number == 3
    assert any("没有第 99 页" in m for m in last.context["outcome"].messages)
    odd = client.get("/search/", {"q": "文明交通", "page": "abc"})
    assert odd.status_code == 200 and odd.context["outcome"].page_obj.number == 1


@pytest.mark.django_db
def test_no_result_page_helps(client, projects):
    body = client.get("/search/", {"q": "茶叶"}).content.decode()
    assert "没有找到与“茶叶”相关的内容" in body
    assert "/projects/" in body


@pytest.mark.django_db
def test_no_page_with_every_word_gives_the_pages_with_some_and_says_so(client, projects):
    # Before best-effort matching this query found nothing and suggested each word alone.
    outcome = client.get("/search/", {"q": "自闭症 修脚"}).context["outcome"]
    assert outcome.partial
    assert {hit.page.pk for hit in outcome.hits} == {projects["灵星"].pk, projects["修脚"].pk}
    assert any("只包含其中一部分词" in message for message in outcome.messages)


@pytest.mark.django_db
def test_empty_query_asks_for_a_word(client, projects):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "请输入要搜索的词" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_gets_results_or_a_clear_message_never_an_error(client, projects, query):
    response = client.get("/search/", {"q": query, "page": "-1", "sort": "x", "year": "'; --"})
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome.hits or outcome.messages or outcome.searched
    api = client.get("/api/v3/search/", {"q": query})
    assert api.status_code == 200
    assert client.get("/api/v3/search/suggest/", {"q": query}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["\x00", "晋祠\x00", "\x1b[31m", "\x7f", "\x85"])
def test_control_characters_in_a_query_are_refused_in_plain_text(client, projects, query):
    for url in ("/search/", "/api/v3/search/", "/api/v3/search/suggest/"):
        response = client.get(url, {"q": query})
        assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
        assert "控制字符" in response.content.decode() and query not in response.content.decode()


@pytest.mark.django_db
def test_queries_with_search_syntax_still_find_the_words(client, projects):
    for query in ['"自闭症"', "自闭症*", "-自闭症", "「自闭症」", "（自闭症）", "自闭症😀"]:
        ids = [hit.page.pk for hit in client.get("/search/", {"q": query}).context["outcome"].hits]
        assert ids == [projects["灵星"].pk], query


@pytest.mark.django_db
def test_long_query_is_cut_with_a_message(client, projects):
    outcome = client.get("/search/", {"q": "老人" * 5000}).context["outcome"]
    assert any("太长" in m for m in outcome.messages)


@pytest.mark.django_db
def test_unknown_sort_falls_back_to_relevance_with_a_message(client, projects):
    outcome = client.get("/search/", {"q": "老人", "sort": "price"}).context["outcome"]
    assert outcome.params.sort == "relevance"
    assert any("排序" in m for m in outcome.messages)


@pytest.mark.django_db
def test_page_works_as_a_plain_form_and_loads_suggestions_script(client, projects):
    body = client.get("/search/", {"q": "老人"}).content.decode()
    assert '<form class="search-form" action="/search/" method="get"' in body
    assert 'name="q" value="老人"' in body
    assert "search/search.js" in body and "search/search.css" in body


@pytest.mark.django_db
def test_post_is_refused(client):
    assert client.post("/search/", {"q": "老人"}).status_code == 405


@pytest.mark.django_db
def test_api_returns_results_facets_and_messages(client, projects):
    data = client.get("/api/v3/search/", {"q": "老人", "category": "关爱老人", "page": "1"}).json()
    assert data["total"] == 4
    assert data["filters"] == {"category": "关爱老人"}
    assert data["results"][0]["title_html"].count("<mark>") >= 1
    assert {f for f in data["facets"]} >= {"kind", "category", "year", "status"}
    assert data["messages"] == []


@pytest.mark.django_db
def test_api_suggests_titles_while_typing(client, projects):
    data = client.get("/api/v3/search/suggest/", {"q": "自闭"}).json()
    assert [item["title"] for item in data] == ["灵星自闭症基地"]
    assert data[0]["url"] == projects["灵星"].url


@pytest.mark.django_db
def test_search_is_in_the_openapi_document(client):
    schema = client.get("/api/v3/openapi.json").json()
    assert "/api/v3/search/" in schema["paths"]
    assert "/api/v3/search/suggest/" in schema["paths"]


@pytest.mark.django_db
def test_a_summary_repeated_at_the_top_of_the_body_shows_once_in_the_snippet(client, make_project):
    sentence = "依托晋祠公园培养小导游志愿者。"
    make_project("小导游讲解服务", sentence, body=[("text", f"<p>{sentence}</p>"), ("text", "<p>以上信息摘自年度报告。</p>")])
    body = client.get("/search/", {"q": "小导游"}).content.decode()
    start = body.index('class="search-hit__snippet"')
    snippet = body[start:body.index("</p>", start)]
    assert snippet.count("公园培养") == 1
    assert "以上信息摘自" in snippet
