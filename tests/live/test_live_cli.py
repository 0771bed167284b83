"""``liveloop live rooms`` and ``liveloop live shows``: add and list rooms, schedule a show in
brand time, put it on air and take it off, and a refusal as a reason with exit code 2."""

from __future__ import annotations


def test_rooms_and_shows_from_the_command_line(cli):
    added = cli(
        "live",
        "rooms",
        "add",
        "wecom",
        "企业微信直播间",
        "--platform",
        "wecom_living",
        "--setting",
        "anchor_userid=XiaoHe",
        "--secret-ref",
        "LIVELOOP_WECOM_LIVING_SECRET",
    )
    assert added.exit_code == 0, added.output
    listed = cli("live", "rooms", "list")
    assert "企业微信直播间" in listed.output and "anchor_userid=XiaoHe" in listed.output

    scheduled = cli(
        "live",
        "shows",
        "schedule",
        "wecom",
        "主食健康课",
        "--at",
        "2099-12-09 20:00",
        "--series",
        "主食健康课",
        "--host",
        "xiaohe",
        "--controller",
        "ck",
        "--minutes",
        "90",
        "--early-tier",
        "银卡",
        "--early-minutes",
        "15",
    )
    assert scheduled.exit_code == 0, scheduled.output
    assert "2099-12-09 20:00" in scheduled.output
    show_id = scheduled.output.split()[1]
    assert cli("live", "shows", "start", show_id).exit_code == 0
    twice = cli("live", "shows", "start", show_id)
    assert twice.exit_code == 2 and "不能开播" in twice.output
    assert "ended" in cli("live", "shows", "end", show_id).output
    shows = cli("live", "shows", "list", "--status", "ended")
    assert "主食健康课" in shows.output and "xiaohe / ck" in shows.output

    unknown = cli("live", "shows", "schedule", "nowhere", "课", "--at", "2099-12-09 20:00")
    assert unknown.exit_code == 2 and "没有直播间" in unknown.output
    secret = cli(
        "live",
        "rooms",
        "add",
        "w2",
        "企微",
        "--platform",
        "wecom_living",
        "--setting",
        "secret=abc",
    )
    assert secret.exit_code == 2 and "secret_ref" in secret.output
