"""Reading the synonym sets at query time: one small query per search, so an edit counts at once."""

from search.models import SynonymSet, synonym_words

# The fund's own words and those people type for them; loaded by the first migration, edited in the admin.
SEED = [
    ("自闭症 孤独症", "两个常用名称"),
    ("老人 老年人 长者", ""),
    ("非遗 非物质文化遗产", ""),
    ("植树 种树 栽树 植绿", ""),
    ("老兵 退役军人 退伍军人", ""),
    ("防汛 防洪 抗洪", ""),
    ("暴雨 水灾 洪水 洪灾 汛情", ""),
    ("救护车 急救车", ""),
    ("戏曲 戏剧", ""),
    ("艾滋病 艾滋 hiv", ""),
    ("心智障碍 智力障碍 智障", ""),
    ("儿童 孩子 小朋友 少儿", ""),
    ("垃圾分类 垃圾分拣", ""),
    ("空巢 独居", ""),
]


def synonym_map():
    """Each folded word -> the words of its set (a word in several sets gets all of them)."""
    mapping = {}
    for words in SynonymSet.objects.values_list("words", flat=True):
        group = synonym_words(words)
        for word in group:
            mapping.setdefault(word, [])
            mapping[word].extend(w for w in group if w not in mapping[word])
    return mapping
