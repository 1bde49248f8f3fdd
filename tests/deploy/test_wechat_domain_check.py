"""nginx hands WeChat its domain-check file from the root, and nothing else from that folder."""

import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def test_nginx_serves_wechats_mp_verify_file_and_only_it():
    conf = CONF.read_text()
    found = re.search(r'location ~ "(\^/MP_verify_[^"]+)" \{\s*root /srv/fundsite/wechat;', conf)
    assert found, "the MP_verify_<code>.txt location is missing from deploy/nginx.conf"
    pattern = re.compile(found.group(1))
    assert pattern.match("/MP_verify_Ab12Cd34Ef56Gh78.txt")
    for other in ("/MP_verify_../../etc/passwd", "/MP_verify_x.txt/../secret", "/MP_verify_.txt",
                  "/static/MP_verify_abc.txt", "/MP_verify_abc.html"):
        assert not pattern.match(other), other
