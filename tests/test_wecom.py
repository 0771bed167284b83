"""WeCom's shared client against a local server that speaks WeCom's API: the token's life and
the secret kept out of httpx's log lines."""

from __future__ import annotations

import logging

import pytest

from liveloop.wecom import WeComApi, WeComError
from tests.channels.servers import FakeWeCom, serve


def test_the_secret_and_the_token_never_reach_a_log_line(caplog):
    fake = FakeWeCom()
    with serve(fake) as host, caplog.at_level(logging.INFO, logger="httpx"):
        api = WeComApi(f"http://{host}", fake.corp_id, fake.secret)
        api.call("POST", "/cgi-bin/externalcontact/send_welcome_msg", {"welcome_code": "w1"})
        api.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("corpsecret=***" in line for line in lines), lines
    assert any("access_token=***" in line for line in lines), lines
    assert not any(fake.secret in line for line in lines)


def test_a_wrong_secret_is_a_refusal_with_its_code_and_no_token_is_kept():
    fake = FakeWeCom()
    with serve(fake) as host:
        api = WeComApi(f"http://{host}", fake.corp_id, "not-the-secret")
        with pytest.raises(WeComError) as refused:
            api.call("POST", "/cgi-bin/externalcontact/send_welcome_msg", {"welcome_code": "w"})
        api.close()
    assert refused.value.code == 40001 and refused.value.path == "gettoken"
    assert api.token_fetches == 0
