"""OneID: the identity graph that ties phones, WeChat ids, Douyin ids and devices to one person."""
