import io
from django.core.management import call_command
from search.selectors import matched_ids
from wagtail.models import Page
def run():
    call_command("load_demo", stdout=io.StringIO())
    for q in ["晋祠","晉祠","孤独症","jinci","jc","qingxu","太原植树","老人修脚","清徐平台","晋祠导游","志愿服务 自闭症","种树","退伍军人","戲曲","救護車","jin ci", "茶", "pc"]:
        ids = matched_ids(q)
        print(q, len(ids), [Page.objects.get(pk=i).title[:14] for i in ids[:6]])
