"""Highlighting marks what matched and escapes everything else."""

from search.highlight import highlight, match_spans, snippet


def test_whole_query_run_is_marked_once():
    assert highlight("灵星自闭症大龄青年", "自闭症") == "灵星<mark>自闭症</mark>大龄青年"


def test_full_width_and_case_match_but_original_characters_are_kept():
    assert highlight("ＰＣ 端，已开发完成", "pc") == "<mark>ＰＣ</mark> 端，已开发完成"


def test_html_in_text_and_query_is_escaped():
    assert highlight("<b>老人</b>", "<script>老人") == "&lt;b&gt;<mark>老人</mark>&lt;/b&gt;"


def test_snippet_is_a_window_around_the_first_match():
    text = "甲" * 200 + "晋祠博物馆" + "乙" * 200
    result = snippet(text, "晋祠", size=40)
    assert result.startswith("…") and result.endswith("…")
    assert "<mark>晋祠</mark>" in result
    assert len(result.replace("<mark>", "").replace("</mark>", "")) == 42


def test_no_match_gives_the_start_of_the_text():
    assert snippet("每月到养老院为老人义务修脚", "钢琴", size=5) == "每月到养老…"


def test_spans_merge_overlapping_bigrams():
    assert match_spans("文明交通", "文明交通") == [(0, 4)]
