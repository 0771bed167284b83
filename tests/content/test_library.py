"""The content library: Chinese search over clips, recipes and 话术, tags, idempotent adds,
an index that is always the table's copy, and queries that are only ever text."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import insert

from liveloop import bootstrap
from liveloop.content import service
from liveloop.content.contracts import ContentKind
from liveloop.content.index import ContentIndex, NotAnIndex, default_directory, forget
from liveloop.content.library import index_of
from liveloop.content.models import ContentItem
from liveloop.live.contracts import Aspect
from liveloop.store.engine import transaction
from tests.conftest import make_settings
from tests.content.library import LIBRARY, fill, titles


def search(runtime, query, **kw):
    with transaction(runtime.read_sessions) as session:
        return service.search(session, query, **kw)


def test_a_question_in_chinese_finds_the_nutrition_clip_about_low_gi(runtime):
    fill(runtime)
    hits = search(runtime, "适合糖尿病人吃的杂粮")
    assert hits[0].item.title == "低GI杂粮饭：控糖人群的主食怎么选"
    assert "营养科普" in hits[0].item.tags
    assert titles(search(runtime, "牛腩怎么炖"))[0] == "草饲牛腩炖土豆"
    # Traditional characters and full-width letters read as their plain forms.
    assert titles(search(runtime, "稻花香產地"))[0] == "走进五常稻田：稻花香的产地探访"
    assert titles(search(runtime, "低ＧＩ"))[0] == "低GI杂粮饭：控糖人群的主食怎么选"


def test_tags_and_kind_narrow_the_hits_and_an_empty_query_filters_only(runtime):
    fill(runtime)
    grain = search(runtime, "杂粮", tags=["sku:GRAIN-MIX-1KG"])
    assert set(titles(grain)) == {"低GI杂粮饭：控糖人群的主食怎么选", "杂粮的价格话术"}
    assert titles(search(runtime, "杂粮", tags=["sku:GRAIN-MIX-1KG", "aspect:price"])) == [
        "杂粮的价格话术"
    ]
    assert titles(search(runtime, "杂粮", kind=ContentKind.SCRIPT)) == ["杂粮的价格话术"]
    clips = search(runtime, "", kind=ContentKind.CLIP)
    assert titles(clips) == [
        "宝妈回购：我家孩子爱喝的鲜牛奶",
        "走进五常稻田：稻花香的产地探访",
        "低GI杂粮饭：控糖人群的主食怎么选",
    ]  # newest first
    assert titles(search(runtime, "", tags=["用户证言"])) == ["宝妈回购：我家孩子爱喝的鲜牛奶"]
    assert search(runtime, "牛腩", tags=["产地探访"]) == []


def test_adding_the_same_clip_or_key_again_keeps_one_item(runtime):
    first = fill(runtime)
    again = fill(runtime)
    assert [v.id for v in again] == [v.id for v in first]
    with transaction(runtime.read_sessions) as session:
        assert len(service.list_content(session)) == len(LIBRARY)
    assert first[0].key == "clip:7:610000:655500"
    ids = [hit.item.id for hit in search(runtime, "杂粮")]
    assert len(ids) == len(set(ids)) == 2


def test_a_changed_item_is_found_by_its_new_words_and_not_its_old(runtime):
    item = fill(runtime)[2]
    with transaction(runtime.sessions) as session:
        service.update_content(
            session,
            item.id,
            service.ContentChanges(title="红烧黑猪五花肉", tags=["烹饪演示"]),
            by="xiaowang",
            now=runtime.clock.now(),
        )
    assert titles(search(runtime, "五花肉")) == ["红烧黑猪五花肉"]
    assert "红烧黑猪五花肉" not in titles(search(runtime, "草饲"))  # old title gone
    assert search(runtime, "", tags=["sku:BEEF-BRISKET"]) == []
    with transaction(runtime.read_sessions) as session:
        assert service.get_content(session, item.id).updated_by == "xiaowang"


def test_a_commit_reaches_the_index_before_any_search(runtime):
    fill(runtime)
    with transaction(runtime.read_sessions) as session:
        index = index_of(session)
    assert index.revision == len(LIBRARY) and index.count() == len(LIBRARY)


def test_the_index_never_clears_a_folder_that_is_not_its_own(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "family.jpg").write_bytes(b"not an index")
    with pytest.raises(NotAnIndex):
        ContentIndex(folder)
    assert (folder / "family.jpg").exists()


def test_a_rolled_back_add_never_reaches_the_index(runtime):
    fill(runtime)
    with pytest.raises(RuntimeError), transaction(runtime.sessions) as session:
        service.add_content(
            session,
            service.NewContent(ContentKind.SCRIPT, "燕麦片冲泡话术", "燕麦片用热牛奶冲泡"),
            by="yunying",
            now=runtime.clock.now(),
        )
        raise RuntimeError("the request failed after the add")
    assert search(runtime, "燕麦片") == []


def test_a_rebuilt_index_answers_as_the_incremental_one_did(runtime):
    fill(runtime)
    queries = ["杂粮", "适合糖尿病人吃的杂粮", "牛奶 孩子", "产地", "价格", ""]
    before = [[(h.item.id, round(h.score, 3)) for h in search(runtime, q)] for q in queries]
    with transaction(runtime.read_sessions) as session:
        assert service.reindex(session) == len(LIBRARY)
    after = [[(h.item.id, round(h.score, 3)) for h in search(runtime, q)] for q in queries]
    assert after == before
    assert all(before[:-1]) and len(before[-1]) == len(LIBRARY)


def test_a_missing_index_or_one_behind_the_table_is_filled_from_it(runtime):
    fill(runtime)
    url = str(runtime.engine.url)
    # Another process (or a crash between commit and index) left rows the index never saw.
    with transaction(runtime.sessions) as session:
        session.execute(
            insert(ContentItem).values(
                key="script:other-process",
                kind="script",
                title="鲜蚝油的用法",
                body="蚝油炒青菜，出锅前淋一勺",
                tags=["烹饪演示"],
                created_at=runtime.clock.now(),
                created_by="worker",
                updated_at=runtime.clock.now(),
                updated_by="worker",
                revision=len(LIBRARY) + 1,
            )
        )
    assert titles(search(runtime, "蚝油炒青菜"))[0] == "鲜蚝油的用法"
    forget(url)
    shutil.rmtree(default_directory(url))
    assert titles(search(runtime, "适合糖尿病人吃的杂粮"))[0].startswith("低GI杂粮饭")
    assert len(search(runtime, "", limit=100)) == len(LIBRARY) + 1


@pytest.mark.parametrize(
    "query",
    [
        "AND (",
        '"',
        "*",
        "title:杂粮",
        "杂粮 OR",
        "(((",
        "\\",
        "'; DROP TABLE content_items; --",
        "😋🔥",
    ],
)
def test_a_query_is_only_text_whatever_it_holds(runtime, query):
    fill(runtime)
    hits = search(runtime, query)
    assert all(h.item.title for h in hits)
    if query == "title:杂粮":
        assert hits  # its words are searched for, 杂粮 among them


def test_a_query_longer_than_a_search_box_is_refused(runtime):
    fill(runtime)
    with pytest.raises(service.QueryTooLong):
        search(runtime, "杂" * 10_240)


def test_unknown_tags_bad_spans_and_empty_titles_are_refused(runtime):
    bad = [
        service.NewContent(ContentKind.RECIPE, "杂粮粥", tags=["好吃"]),
        service.NewContent(ContentKind.RECIPE, "杂粮粥", tags=["sku:小写"]),
        service.NewContent(ContentKind.RECIPE, "杂粮粥", tags=["aspect:none"]),
        service.NewContent(ContentKind.RECIPE, "   "),
        service.NewContent(ContentKind.CLIP, "没有来源的片段"),
        service.NewContent(ContentKind.RECIPE, "食谱", clip=LIBRARY[0].clip),
    ]
    for item in bad:
        with pytest.raises(service.ContentError), transaction(runtime.sessions) as session:
            service.add_content(session, item, by="yunying", now=runtime.clock.now())
    with pytest.raises(service.ContentError), transaction(runtime.read_sessions) as session:
        service.search(session, "杂粮", tags=["不存在的标签"])
    with pytest.raises(service.UnknownContent), transaction(runtime.read_sessions) as session:
        service.get_content(session, 999)


def test_matching_sends_what_answers_the_question_about_that_product(runtime):
    fill(runtime)
    with transaction(runtime.read_sessions) as session:
        health = service.matching(session, Aspect.HEALTH, "GRAIN-MIX-1KG")
        price = service.matching(session, Aspect.PRICE, "GRAIN-MIX-1KG")
        cooking = service.matching(session, Aspect.USAGE, None)
        origin = service.matching(session, Aspect.ORIGIN, "MILK-WEEK-7")
        nothing = service.matching(session, None, None)
    assert titles(health) == ["低GI杂粮饭：控糖人群的主食怎么选", "杂粮的价格话术"]
    assert titles(price) == ["杂粮的价格话术", "低GI杂粮饭：控糖人群的主食怎么选"]
    assert titles(cooking) == ["草饲牛腩炖土豆"]
    assert titles(origin) == [
        "宝妈回购：我家孩子爱喝的鲜牛奶"
    ]  # that product's, though not on origin
    assert nothing == []


def test_the_settings_put_the_index_where_they_say(sqlite_url, clock, tmp_path):
    folder = tmp_path / "search-index"
    runtime = bootstrap.open_runtime(make_settings(sqlite_url, content_index_dir=folder), clock)
    try:
        bootstrap.wire(runtime)
        fill(runtime)
        assert titles(search(runtime, "牛腩"))[0] == "草饲牛腩炖土豆"
        assert (folder / "liveloop-content.json").exists()
        assert not default_directory(sqlite_url).exists()
    finally:
        forget(str(runtime.engine.url))
        runtime.close()
