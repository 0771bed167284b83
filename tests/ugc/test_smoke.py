from liveloop.ugc import service as ugc


def test_smoke(circle):
    item = circle.recipe("林姐")
    assert item.created and item.status == "submitted"
    circle.approve(item.id)
    with circle.runtime.read_sessions() as s:
        assert ugc.get_item(s, item.id).status == "approved"
