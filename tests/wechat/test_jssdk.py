"""The wx.config signature: WeChat's published example, and the URL rules it depends on."""

import hashlib

from wechat.jssdk import JS_API_LIST, signature

# From WeChat's JS-SDK documentation (附录1 JS-SDK使用权限签名算法), quoted alike by the SDKs' own tests.
DOC_TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
DOC_NONCESTR = "Wm3WZYTPz0wzccnW"
DOC_TIMESTAMP = 1414587457
DOC_URL = "http://mp.weixin.qq.com?params=value"
DOC_SIGNATURE = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_signature_matches_wechats_documented_example():
    assert signature(ticket=DOC_TICKET, noncestr=DOC_NONCESTR, timestamp=DOC_TIMESTAMP, url=DOC_URL) == DOC_SIGNATURE


def test_signature_drops_the_fragment_but_keeps_the_query():
    with_fragment = signature(ticket=DOC_TICKET, noncestr=DOC_NONCESTR, timestamp=DOC_TIMESTAMP,
                              url=DOC_URL + "#section-2")
    assert with_fragment == DOC_SIGNATURE
    other_query = signature(ticket=DOC_TICKET, noncestr=DOC_NONCESTR, timestamp=DOC_TIMESTAMP,
                            url="http://mp.weixin.qq.com?params=other")
    assert other_query != DOC_SIGNATURE


def test_any_changed_field_changes_the_signature():
    fields = {"ticket": DOC_TICKET, "noncestr": DOC_NONCESTR, "timestamp": DOC_TIMESTAMP, "url": DOC_URL}
    for name in fields:
        changed = {**fields, name: str(fields[name]) + "x"}
        assert signature(**changed) != DOC_SIGNATURE, name
    assert len(DOC_SIGNATURE) == len(hashlib.sha1().hexdigest())  # noqa: S324


def test_only_the_share_apis_are_asked_for():
    assert JS_API_LIST == ("updateAppMessageShareData", "updateTimelineShareData")
