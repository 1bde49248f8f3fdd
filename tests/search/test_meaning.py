"""What people mean: traditional characters, pinyin, synonyms, run-together words, partial matches."""

import pytest
from wagtail.models import Page

from cms_pages.models import Category, District, ProjectStoryPage, StoryKind
from search.analysis import normalise, pinyin_query_tokens, pinyin_tokens
from search.models import SynonymSet, synonym_words
from search.selectors import matched_ids, search_matches, story_year


def test_traditional_characters_fold_with_opencc_table():
    assert normalise("晉祠 戲曲 救護車 自閉症") == "晋祠 戏曲 救护车 自闭症"
    # Simplified text is left as it is.
    assert normalise("晋祠公园 乾隆") == "晋祠公园 乾隆"


def test_titles_carry_syllables_syllable_pairs_and_initial_pairs():
    tokens = pinyin_tokens("晋祠公园")
    assert {"0pjin", "0pci", "0pjinci", "0pcigong", "0ijc", "0icg", "0igy"} <= set(tokens)


@pytest.mark.parametrize(("typed", "tokens"), [
    ("jinci", ["0pjinci"]), ("JinCi", ["0pjinci"]), ("jìncí", ["0pjinci"]), ("jin4ci2", ["0pjinci"]),
    ("jc", ["0ijc"]), ("jcgy", ["0ijc", "0icg", "0igy"]), ("x", []), ("2021", []),
])
def test_typed_pinyin_is_read_as_syllables_else_initials(typed, tokens):
    assert pinyin_query_tokens(typed) == tokens


def test_synonym_words_are_split_on_any_separator_and_folded():
    assert synonym_words("自闭症、孤獨症, 星儿 / 自闭症") == ["自闭症", "孤独症", "星儿"]


@pytest.fixture
def jinci(make_project):
    return make_project("晋祠小导游志愿讲解服务项目", "依托晋祠博物馆培养小导游")


@pytest.mark.django_db
def test_traditional_query_finds_simplified_page_and_back(jinci, make_project):
    traditional = make_project("戲曲進社區", "京腔晉韻")
    assert matched_ids("晉祠") == [jinci.pk]
    assert matched_ids("戏曲") == [traditional.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["jinci", "jin ci", "Jìn Cí", "jc", "jcxdy"])
def test_pinyin_full_or_initials_finds_the_title(jinci, make_project, typed):
    make_project("关爱老人义务修脚", "修脚")
    assert matched_ids(typed) == [jinci.pk]


@pytest.mark.django_db
def test_a_latin_word_found_as_typed_is_not_read_as_pinyin(make_project):
    pc = make_project("清徐平台", "PC端和手机端")
    make_project("排查隐患", "安全")  # initials p c
    assert matched_ids("pc") == [pc.pk]
    assert matched_ids("pcyh") != []


@pytest.mark.django_db
def test_seeded_synonyms_find_the_other_name(make_project):
    autism = make_project("灵星自闭症基地", "烘焙技能")
    assert SynonymSet.objects.filter(words__contains="孤独症").exists()
    assert matched_ids("孤独症") == [autism.pk]
    assert matched_ids("孤独症儿童") == matched_ids("孤独症")


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_synonym_edited_in_the_admin_changes_results_at_once(editor_client, make_project):
    foot = make_project("关爱老人义务修脚", "每月到养老院义务修脚")
    assert matched_ids("足部护理") == []
    response = editor_client.post("/admin/snippets/search/synonymset/add/", {"words": "修脚，足部护理", "note": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    synonyms = SynonymSet.objects.get(words="修脚，足部护理")
    assert matched_ids("足部护理") == [foot.pk]
    response = editor_client.post(f"/admin/snippets/search/synonymset/edit/{synonyms.pk}/",
                                  {"words": "修脚 脚部护理", "note": ""})
    assert response.status_code == 302
    assert matched_ids("足部护理") == []
    assert matched_ids("脚部护理") == [foot.pk]


@pytest.mark.django_db
def test_a_synonym_set_of_one_word_is_refused_in_the_admin(editor_client):
    response = editor_client.post("/admin/snippets/search/synonymset/add/", {"words": "修脚", "note": ""})
    assert response.status_code == 200
    assert "至少要有两个词" in response.content.decode()
    assert not SynonymSet.objects.filter(words="修脚").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["晋祠导游", "晋祠小导游 咖啡"])
def test_run_together_and_extra_words_still_find_the_page(jinci, make_project, typed):
    make_project("关爱老人义务修脚", "修脚")
    assert matched_ids(typed) == [jinci.pk]


@pytest.mark.django_db
def test_a_word_found_nowhere_is_left_out_and_said_so(client, jinci):
    body = client.get("/search/", {"q": "晋祠 咖啡"}).content.decode()
    assert "没有找到“咖啡”" in body
    assert "<mark>晋祠</mark>小导游志愿讲解服务项目" in body


@pytest.mark.django_db
def test_common_word_only_ranks_and_an_exact_match_comes_first(client, make_project):
    both = make_project("自闭症儿童志愿服务", "志愿服务")
    rare = make_project("灵星自闭症基地", "烘焙")
    for title in ("文明交通", "垃圾分类", "晋祠讲解", "关爱老人", "植树添绿", "戏曲传播", "大漆传习", "防汛救灾"):
        make_project(title, "志愿服务")
    assert matched_ids("志愿服务 自闭症") == [both.pk, rare.pk]
    ids, plan = search_matches("志愿服务 自闭症")
    assert plan.optional == ["志愿服务"]
    assert "“志愿服务”很常见" in client.get("/search/", {"q": "志愿服务 自闭症"}).content.decode()


@pytest.mark.django_db
def test_when_no_page_holds_every_word_the_rarer_word_decides(client, make_project):
    piano = make_project("钢琴陪练", "钢琴")
    for title in ("关爱老人义务修脚", "春晖天使计划", "巾帼爱心行"):
        make_project(title, "老人 老人")
    for title in ("文明交通", "垃圾分类", "晋祠讲解", "植树添绿", "戏曲传播", "大漆传习"):
        make_project(title, "志愿服务")
    ids, plan = search_matches("老人 钢琴")
    assert plan.relaxed
    assert ids == [piano.pk]
    assert "只包含其中一部分词" in client.get("/search/", {"q": "老人 钢琴"}).content.decode()


@pytest.mark.django_db
def test_renaming_a_category_or_district_reindexes_its_projects(make_project):
    culture = Category.objects.create(name="文化宣传", slug="culture")
    place = District.objects.create(name="晋源区", slug="jinyuan")
    page = make_project("京腔晋韵", "戏曲", category=culture, district=place)
    assert matched_ids("文化宣传") == [page.pk]
    culture.name = "文艺传播"
    culture.save()
    place.name = "古城区"
    place.save()
    assert matched_ids("文化宣传") == []
    assert matched_ids("文艺传播") == [page.pk]
    assert matched_ids("晋源区") == []
    assert matched_ids("古城区") == [page.pk]


def test_a_story_belongs_to_the_year_its_title_names():
    from datetime import date

    assert story_year("2019 年度进展：关爱老人义务修脚", date(2020, 4, 1)) == 2019
    assert story_year("结项：关爱老人义务修脚", date(2020, 4, 1)) == 2020


@pytest.mark.django_db
def test_story_facet_year_is_the_year_reported_on(client, make_project):
    page = make_project("关爱老人义务修脚", "修脚", cohort_year=2019)
    story = page.add_child(instance=ProjectStoryPage(
        title="2019 年度进展：关爱老人义务修脚", summary="修脚 300 次", kind=StoryKind.PROGRESS, date="2020-04-01"))
    story.save_revision().publish()
    body = client.get("/search/", {"q": "修脚", "year": "2019"}).content.decode()
    assert story.url in body
    assert "2020" not in client.get("/search/", {"q": "修脚"}).content.decode().split("search-facets")[1].split("</aside>")[0]


@pytest.mark.django_db
def test_the_search_page_names_both_search_landmarks(client, jinci):
    body = client.get("/search/", {"q": "晋祠"}).content.decode()
    assert body.count('role="search"') == 2
    assert 'role="search" aria-label="全站搜索"' in body
    assert 'role="search" aria-label="搜索项目、进展和报告"' in body


@pytest.mark.django_db
def test_synonyms_are_marked_in_results(client, make_project):
    make_project("灵星自闭症基地", "教授大龄自闭症孩子烘焙技能")
    body = client.get("/search/", {"q": "孤独症"}).content.decode()
    assert "灵星<mark>自闭症</mark>基地" in body


@pytest.mark.django_db
def test_admin_page_search_reads_traditional_characters(editor_client, jinci):
    for typed in ("晉祠", "晋祠"):
        body = editor_client.get("/admin/pages/search/", {"q": typed}).content.decode()
        assert "小导游志愿讲解服务项目" in body, typed


@pytest.mark.django_db
def test_search_reads_only_live_pages(make_project, project_index):
    make_project("关爱老人义务修脚", "修脚")
    assert Page.objects.live().search("jinci").count() == 0
