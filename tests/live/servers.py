"""A local server (127.0.0.1, in a thread) speaking 企业微信直播's server API as its
documentation describes it: ``gettoken`` with tokens that expire, ``living/get_living_info``,
``living/get_watch_stat`` paged by ``next_key`` with an ``ending`` flag,
``living/get_user_all_livingid``, and its error codes (40001 a wrong secret, 40014/42001 a
token that is invalid/expired, 45009 the frequency limit)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.channels.servers import serve as serve

ENDED = 2


@dataclass
class Living:
    """One show on the fake: its info and who watched (members and external customers)."""

    theme: str
    living_start: int
    living_duration: int
    status: int = ENDED
    anchor_userid: str = "host01"
    members: list[dict[str, Any]] = field(default_factory=list)
    external: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        viewers = len(self.members) + len(self.external)
        return {
            "theme": self.theme,
            "living_start": self.living_start,
            "living_duration": self.living_duration,
            "status": self.status,
            "anchor_userid": self.anchor_userid,
            "viewer_num": viewers,
            "comment_num": 0,
            "type": 4,
        }

    def rows(self) -> list[tuple[str, dict[str, Any]]]:
        return [("users", u) for u in self.members] + [("external_users", u) for u in self.external]


class FakeWeComLiving:
    """``token_calls``: how many API calls a token answers before it expires (42001 after);
    ``rate_limited``: answer 45009 to that many calls; ``page_size``: viewers per page."""

    def __init__(
        self,
        corp_id: str = "ww-live",
        secret: str = "living-secret",  # noqa: S107 - a test fixture
        *,
        page_size: int = 2,
        token_calls: int | None = None,
    ) -> None:
        self.corp_id, self.secret = corp_id, secret
        self.page_size = page_size
        self.token_calls = token_calls
        self.rate_limited = 0
        self.livings: dict[str, Living] = {}
        self.tokens: dict[str, int | None] = {}  # token -> calls left (None: until expired)
        self.issued = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (WeCom answers 42001 to them)."""
        with self.lock:
            self.tokens = {t: 0 for t in self.tokens}

    def handle(self, method: str, path: str, query: dict, headers: Any, raw: bytes):
        with self.lock:
            if path == "/cgi-bin/gettoken":
                return 200, self._token(query)
            token = (query.get("access_token") or [""])[0]
            if token not in self.tokens:
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            left = self.tokens[token]
            if left is not None and left <= 0:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            if left is not None:
                self.tokens[token] = left - 1
            if self.rate_limited:
                self.rate_limited -= 1
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            body = json.loads(raw or b"{}") if method == "POST" else {}
            self.calls.append((path, body or {k: v[0] for k, v in query.items()}))
            if path == "/cgi-bin/living/get_living_info" and method == "GET":
                living = self.livings.get((query.get("livingid") or [""])[0])
                if living is None:
                    return 200, {"errcode": 40058, "errmsg": "invalid livingid"}
                return 200, {"errcode": 0, "errmsg": "ok", "living_info": living.info()}
            if path == "/cgi-bin/living/get_watch_stat" and method == "POST":
                return 200, self._watch_stat(body)
            if path == "/cgi-bin/living/get_user_all_livingid" and method == "POST":
                ids = [k for k, v in self.livings.items() if v.anchor_userid == body.get("userid")]
                return 200, {"errcode": 0, "errmsg": "ok", "next_cursor": "", "livingid_list": ids}
            return 404, {"errcode": 404, "errmsg": "no such api"}

    def _token(self, query: dict) -> dict[str, Any]:
        if query.get("corpid") != [self.corp_id]:
            return {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != [self.secret]:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        self.issued += 1
        token = f"living-token-{self.issued}"
        self.tokens[token] = self.token_calls
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _watch_stat(self, body: dict[str, Any]) -> dict[str, Any]:
        living = self.livings.get(str(body.get("livingid")))
        if living is None:
            return {"errcode": 40058, "errmsg": "invalid livingid"}
        key = str(body.get("next_key") or "0")
        start = 0 if key == "0" else int(key.removeprefix("k"))
        rows = living.rows()
        page = rows[start : start + self.page_size]
        end = start + len(page)
        stat: dict[str, list[dict[str, Any]]] = {"users": [], "external_users": []}
        for group, row in page:
            stat[group].append(row)
        return {
            "errcode": 0,
            "errmsg": "ok",
            "ending": 1 if end >= len(rows) else 0,
            "next_key": f"k{end}",
            "stat_info": stat,
        }
