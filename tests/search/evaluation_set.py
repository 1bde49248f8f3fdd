"""What people type and which demo pages they should get, judged by reading the pages.

``P`` names projects whose progress/closing story retells them (the story is
expected too); ``ONLY`` names projects without their story (the query matches
something the story does not repeat, such as the organisation); reports are
named by year; ``ABOUT`` is the page about the fund.
"""

from dataclasses import dataclass, field

REPORTS_2019 = [
    "“志愿城市太原”基金平台建设项目", "创建全国文明城市微信公众号矩阵平台", "文明交通志愿服务项目", "关爱老人义务修脚",
    "春晖天使计划", "安定哺心行动——社区心理疾病防治项目", "“携手同行——邻里探巢计划”", "钢琴陪练志愿者培训计划",
    "灵星自闭症大龄青年手工技能培训基地", "无野趣不童年", "“护蕾行动”——学龄期儿童性教育计划",
    "开展应急救护培训，提高自救互救能力", "非遗彩虹之旅", "“知艾自爱，预艾予爱”同伴教育宣传活动项目",
]
REPORTS_2021 = [
    "“小店区新时代文明实践中心”平台", "“晋源区新时代文明实践中心”平台", "“迎泽区新时代文明实践中心”平台",
    "“拾梦非遗”蒙山下寺底村非遗文化传播志愿服务项目", "“心静源”情暖晋阳 点亮夕阳志愿服务项目",
    "守护绿色家园，践行垃圾分类志愿服务项目", "守护者行动安全课堂项目",
    "“住的放心”托底（三无高龄失能半失能空巢）老人居家安全倡导计划", "定格微笑传递幸福",
    "2020 年文明交通，安全出行志愿服务项目", "新时代颂歌“唱”响龙城项目", "山西省文化馆京腔晋韵戏曲传播志愿服务项目",
    "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）", "晋祠小导游志愿讲解服务项目", "城市爱心驿站志愿服务项目",
    "“多元艺术陪伴”自闭症儿童成长关爱计划", "巾帼爱心行志愿服务项目", "助力心智障碍青少年技能学习", "童心向党亲子教育",
    "太原市关爱参战老兵及烈士家属志愿服务项目", "共为锦绣太原城添绿志愿服务项目", "助力山西防汛救灾志愿服务项目",
    "2021 年“文明交通 安全出行”志愿服务项目", "太原志愿者激励回馈项目", "壹元救护车志愿服务项目",
    "清徐新时代文明实践平台", "太原市直文明单位订阅精神文明报项目",
]


@dataclass(frozen=True)
class Case:
    """One query and the pages a person would want from it."""

    query: str
    kind: str
    projects: tuple = ()  # each with its story
    only: tuple = ()  # project pages without their story
    reports: tuple = ()
    about: bool = False
    expected_titles: frozenset = field(default=frozenset(), compare=False)


def case(query, kind, *projects, only=(), reports=(), about=False):
    return Case(query, kind, tuple(projects), tuple(only), tuple(reports), about)


ELDERLY = ["关爱老人义务修脚", "春晖天使计划", "安定哺心行动——社区心理疾病防治项目", "“携手同行——邻里探巢计划”",
           "“心静源”情暖晋阳 点亮夕阳志愿服务项目", "“住的放心”托底（三无高龄失能半失能空巢）老人居家安全倡导计划",
           "巾帼爱心行志愿服务项目"]
CHILDREN = ["钢琴陪练志愿者培训计划", "灵星自闭症大龄青年手工技能培训基地", "无野趣不童年", "“护蕾行动”——学龄期儿童性教育计划",
            "开展应急救护培训，提高自救互救能力", "“多元艺术陪伴”自闭症儿童成长关爱计划", "助力心智障碍青少年技能学习",
            "童心向党亲子教育"]

CASES = [
    # Words of two to four characters.
    case("自闭症", "word", "钢琴陪练志愿者培训计划", "灵星自闭症大龄青年手工技能培训基地", "“多元艺术陪伴”自闭症儿童成长关爱计划"),
    case("老人", "word", *ELDERLY, reports=(2019, 2021)),
    case("非遗", "word", "非遗彩虹之旅", "“拾梦非遗”蒙山下寺底村非遗文化传播志愿服务项目",
         "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）"),
    case("晋祠", "word", "晋祠小导游志愿讲解服务项目"),
    case("文明交通", "word", "文明交通志愿服务项目", "2020 年文明交通，安全出行志愿服务项目",
         "2021 年“文明交通 安全出行”志愿服务项目", reports=(2019, 2021)),
    case("儿童", "word", *CHILDREN, reports=(2019, 2021)),
    case("培训", "word", "“志愿城市太原”基金平台建设项目", "钢琴陪练志愿者培训计划", "灵星自闭症大龄青年手工技能培训基地",
         "开展应急救护培训，提高自救互救能力", about=True),
    case("社区", "word", "关爱老人义务修脚", "安定哺心行动——社区心理疾病防治项目", "山西省文化馆京腔晋韵戏曲传播志愿服务项目",
         "巾帼爱心行志愿服务项目", only=("春晖天使计划", "“携手同行——邻里探巢计划”", "灵星自闭症大龄青年手工技能培训基地")),
    case("钢琴", "word", "钢琴陪练志愿者培训计划"),
    case("烘焙", "word", "灵星自闭症大龄青年手工技能培训基地", "助力心智障碍青少年技能学习"),
    case("空巢", "word", "“携手同行——邻里探巢计划”", "“住的放心”托底（三无高龄失能半失能空巢）老人居家安全倡导计划"),
    case("失独", "word", "春晖天使计划", "巾帼爱心行志愿服务项目"),
    case("植树", "word", "共为锦绣太原城添绿志愿服务项目"),
    case("暴雨", "word", "助力山西防汛救灾志愿服务项目"),
    case("驿站", "word", "城市爱心驿站志愿服务项目"),
    case("戏曲", "word", "山西省文化馆京腔晋韵戏曲传播志愿服务项目"),
    case("大漆", "word", "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）"),
    case("垃圾分类", "word", "守护绿色家园，践行垃圾分类志愿服务项目"),
    case("艾滋病", "word", "“知艾自爱，预艾予爱”同伴教育宣传活动项目"),
    case("救护车", "word", "壹元救护车志愿服务项目"),
    case("老兵", "word", "太原市关爱参战老兵及烈士家属志愿服务项目"),
    case("龙城", "word", "新时代颂歌“唱”响龙城项目"),
    case("二青会", "word", "文明交通志愿服务项目"),
    case("修脚", "word", "关爱老人义务修脚"),
    # Organisations.
    case("勇跃修脚", "organisation", only=("关爱老人义务修脚",)),
    case("灵星", "organisation", "灵星自闭症大龄青年手工技能培训基地"),
    case("山西大学", "organisation", only=("“知艾自爱，预艾予爱”同伴教育宣传活动项目",)),
    case("山西省文化馆", "organisation", "山西省文化馆京腔晋韵戏曲传播志愿服务项目"),
    case("太原市智慧社区", "organisation", only=("春晖天使计划",)),
    case("腾讯公益", "organisation", only=("助力山西防汛救灾志愿服务项目",)),
    case("中国志愿服务基金会", "organisation", about=True),
    # Places.
    case("清徐", "place", "助力山西防汛救灾志愿服务项目", "清徐新时代文明实践平台", about=True),
    case("小店区", "place", "“小店区新时代文明实践中心”平台", about=True),
    case("万柏林", "place", "城市爱心驿站志愿服务项目", about=True),
    case("晋源", "place", "“晋源区新时代文明实践中心”平台", about=True),
    case("迎泽区", "place", "“迎泽区新时代文明实践中心”平台", about=True),
    case("蒙山", "place", "“拾梦非遗”蒙山下寺底村非遗文化传播志愿服务项目"),
    # Numbers.
    case("107", "number", "文明交通志愿服务项目"),
    case("2019", "number", *REPORTS_2019, reports=(2019,)),
    case("2021", "number", *REPORTS_2021, reports=(2021,)),
    case("52,116", "number", only=("清徐新时代文明实践平台",)),
    case("52116", "number", only=("清徐新时代文明实践平台",)),
    case("9", "number", "城市爱心驿站志愿服务项目"),
    # Chinese mixed with Latin letters or digits, full-width forms.
    case("PC端", "mixed", "清徐新时代文明实践平台"),
    case("ＰＣ", "mixed", "清徐新时代文明实践平台"),
    case("pc", "mixed", "清徐新时代文明实践平台"),
    case("107 路口", "mixed", "文明交通志愿服务项目"),
    case("50户", "mixed", "巾帼爱心行志愿服务项目"),
    case("30名", "mixed", "灵星自闭症大龄青年手工技能培训基地"),
    # One character.
    case("漆", "one-character", "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）"),
    case("鼓", "one-character", "助力心智障碍青少年技能学习"),
    case("脚", "one-character", "关爱老人义务修脚"),
    case("茶", "one-character"),
    # Several words: every word must match.
    case("自闭症 钢琴", "words", "钢琴陪练志愿者培训计划"),
    case("老人 修脚", "words", "关爱老人义务修脚"),
]

AUTISM = ("钢琴陪练志愿者培训计划", "灵星自闭症大龄青年手工技能培训基地", "“多元艺术陪伴”自闭症儿童成长关爱计划")
HERITAGE = ("非遗彩虹之旅", "“拾梦非遗”蒙山下寺底村非遗文化传播志愿服务项目", "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）")
TREES = "共为锦绣太原城添绿志愿服务项目"
FLOOD = "助力山西防汛救灾志愿服务项目"
VETERANS = "太原市关爱参战老兵及烈士家属志愿服务项目"
JINCI = "晋祠小导游志愿讲解服务项目"
AMBULANCE = "壹元救护车志愿服务项目"
OPERA = "山西省文化馆京腔晋韵戏曲传播志愿服务项目"
QINGXU = "清徐新时代文明实践平台"

# What people type instead of the fund's own words: kept apart from CASES (which keep recall and
# precision 1.00 on every match), judged on the first results page. The expected pages were chosen by
# reading the pages, before running the queries.
MEANING_CASES = [
    # Synonyms (the demo's synonym sets).
    case("孤独症", "synonym", *AUTISM),
    case("老年人", "synonym", *ELDERLY, reports=(2019, 2021)),
    case("长者", "synonym", *ELDERLY, reports=(2019, 2021)),
    case("非物质文化遗产", "synonym", *HERITAGE),
    case("种树", "synonym", TREES),
    case("栽树", "synonym", TREES),
    case("水灾", "synonym", FLOOD),
    case("洪水", "synonym", FLOOD),
    case("退伍军人", "synonym", VETERANS),
    case("退役军人", "synonym", VETERANS),
    case("急救车", "synonym", AMBULANCE),
    case("艾滋", "synonym", "“知艾自爱，预艾予爱”同伴教育宣传活动项目"),
    # Traditional characters.
    case("晉祠", "traditional", JINCI),
    case("戲曲", "traditional", OPERA),
    case("救護車", "traditional", AMBULANCE),
    case("自閉症", "traditional", *AUTISM),
    case("垃圾分類", "traditional", "守护绿色家园，践行垃圾分类志愿服务项目"),
    case("非遺", "traditional", *HERITAGE),
    case("龍城", "traditional", "新时代颂歌“唱”响龙城项目"),
    case("愛心驛站", "traditional", "城市爱心驿站志愿服务项目"),
    # Full pinyin: titles.
    case("jinci", "pinyin", JINCI),
    case("jin ci", "pinyin", JINCI),
    case("Jìncí", "pinyin", JINCI),
    case("qingxu", "pinyin", QINGXU),
    case("longcheng", "pinyin", "新时代颂歌“唱”响龙城项目"),
    case("feiyi", "pinyin", *HERITAGE),
    case("zibizheng", "pinyin", "灵星自闭症大龄青年手工技能培训基地", "“多元艺术陪伴”自闭症儿童成长关爱计划"),
    case("xiujiao", "pinyin", "关爱老人义务修脚"),
    # Pinyin initials.
    case("jc", "initials", JINCI),
    case("jcxdy", "initials", JINCI),
    case("yyjhc", "initials", AMBULANCE),
    case("qxxsd", "initials", QINGXU),
    # Words run together without a space.
    case("太原植树", "run-together", TREES),
    case("老人修脚", "run-together", "关爱老人义务修脚"),
    case("清徐平台", "run-together", QINGXU),
    case("晋祠导游", "run-together", JINCI),
    case("自闭症钢琴", "run-together", "钢琴陪练志愿者培训计划"),
    case("山西救灾", "run-together", FLOOD),
    case("孤独症儿童", "run-together", "“多元艺术陪伴”自闭症儿童成长关爱计划", "钢琴陪练志愿者培训计划",
         "灵星自闭症大龄青年手工技能培训基地"),
    # Extra words the pages do not have.
    case("晋祠 小导游 咖啡", "extra-words", JINCI),
    case("钢琴 陪练 报名入口", "extra-words", "钢琴陪练志愿者培训计划"),
    case("救护车 捐款二维码", "extra-words", AMBULANCE),
    case("大漆 工艺品 网店", "extra-words", "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）"),
    # A common word with a rare one.
    case("志愿服务 自闭症", "common-rare", *AUTISM),
    case("志愿服务 戏曲", "common-rare", OPERA),
    case("项目 大漆", "common-rare", "“启梦者”新时代文明实践非遗传习志愿服务项目（大漆）"),
    case("太原 晋祠", "common-rare", JINCI),
    case("志愿者 垃圾分类", "common-rare", "守护绿色家园，践行垃圾分类志愿服务项目"),
]
