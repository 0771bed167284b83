"""Console page 营销日历: the coming months with their 节气, festivals and the campaigns on each
day; an operator schedules a template with its button, once however often it is pressed."""

from __future__ import annotations

import re

from tests.console.test_console_live import _login


def _schedule_form(html: str, template: str) -> dict[str, str]:
    start = html.index(f'name="template" value="{template}"')
    form = html[html.rindex("<form", 0, start) : html.index("</form>", start)]
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    fields["room"] = re.search(r'<option value="([^"]+)"', form).group(1)
    return fields


def test_the_calendar_page_shows_the_months_and_schedules_a_campaign(client, brand):
    _login(client, brand.runtime, "ops", "operator")
    page = client.get("/console/calendar")
    assert page.status_code == 200
    html = page.text
    assert 'href="/console/calendar" class="active"' in html and "营销日历" in html
    assert "2026年11月" in html and "2026年12月" in html and "2027年1月" in html
    # 冬至 on 22 December with its moment; 双12 and 腊八 (2027-01-15) in their cells.
    assert re.search(r'data-date="2026-12-22">.*?冬至 04:50', html, re.S)
    assert re.search(r'data-date="2026-12-12">.*?双12', html, re.S)
    assert re.search(r'data-date="2027-01-15">.*?腊八', html, re.S)
    assert "冬至 饺子专场" in html and "安排 2026 年" in html

    form = _schedule_form(html, "dongzhi-dumplings")
    done = client.post("/console/calendar/schedule", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"]).text
    assert "已安排「冬至 饺子专场」" in shown and "2026 年已安排" in shown
    cell = re.search(r'data-date="2026-12-22">(.*?)</td>', shown, re.S).group(1)
    assert (
        "冬至 饺子专场" in cell and "直播 12月22日 19:30" in cell and "邀约 12月19日 10:00" in cell
    )

    again = client.post("/console/calendar/schedule", data=form, follow_redirects=False)
    assert again.status_code == 303  # the same campaign, not a second one
    assert client.get("/console/calendar").text.count('data-testid="campaign"') == 1


def test_a_refused_schedule_is_shown_in_chinese(client, brand):
    _login(client, brand.runtime, "ops", "operator")
    form = _schedule_form(client.get("/console/calendar").text, "dongzhi-dumplings")
    refused = client.post("/console/calendar/schedule", data={**form, "room": "nowhere"})
    assert refused.status_code == 404 and "直播间" in refused.text
    assert 'data-testid="campaign"' not in refused.text


def test_an_analyst_reads_the_calendar_but_cannot_schedule(client, brand):
    _login(client, brand.runtime, "ana", "analyst")
    html = client.get("/console/calendar").text
    assert "冬至 饺子专场" in html and "安排 2026 年" not in html
