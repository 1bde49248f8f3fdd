"""The shared analyser: what becomes a token, in documents and in queries."""

from search.analysis import MAX_QUERY_TOKENS, index_text, index_tokens, query_terms, query_tokens


def test_chinese_run_is_indexed_as_unigrams_and_bigrams():
    assert index_tokens("晋祠公园") == ["晋", "祠", "公", "园", "晋祠", "祠公", "公园"]


def test_query_run_of_two_or_more_characters_needs_all_its_bigrams():
    assert query_terms("自闭症") == [["自闭", "闭症"]]


def test_one_character_query_is_a_unigram():
    assert query_terms("漆") == [["漆"]]


def test_words_typed_apart_are_separate_terms():
    assert query_terms("自闭症 钢琴") == [["自闭", "闭症"], ["钢琴"]]


def test_latin_is_lower_cased_and_full_width_folded():
    assert index_tokens("ＰＣ 端") == ["pc", "端"]
    assert query_tokens("PC端") == ["pc", "端"]


def test_amounts_are_whole_yuan_numbers_so_cents_do_not_match_other_numbers():
    assert index_tokens("尚有 52,116.00 元，募集 1,191,516.30 元") == [
        "尚", "有", "尚有", "52116", "元", "募", "集", "募集", "1191516", "元",
    ]
    assert query_tokens("52,116") == query_tokens("52116") == ["52116"]
    assert "30" not in index_tokens("1,191,516.30")


def test_years_and_dates_are_numbers():
    assert index_tokens("2021-10-10") == ["2021", "10", "10"]


def test_punctuation_emoji_and_search_syntax_are_separators():
    assert query_terms('"NEAR" AND -x* 😀 ，。！') == [["near"], ["and"], ["x"]]
    assert query_terms("😀 ，。！ * -") == []


def test_query_tokens_are_bounded():
    assert len(query_tokens("自" * 10_000)) == 1
    distinct = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 100))
    assert len(query_tokens(distinct)) == MAX_QUERY_TOKENS


def test_index_text_is_padded_for_token_lookups():
    assert index_text("老人") == " 老 人 老人 "
    assert index_text("！！") == ""
