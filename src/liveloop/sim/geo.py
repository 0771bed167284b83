"""Where the brand's customers live: provinces, cities (lat/lon) and the rice pools.

South China eats 籼米 (indica), the north 粳米 (japonica); the catalog's regional pools follow it.
Weights are rough shares of the brand's buyers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    province: str
    city: str
    lat: float
    lon: float
    pool: str  # "south" | "north"
    weight: float


CITIES: tuple[City, ...] = (
    City("广东省", "广州市", 23.13, 113.26, "south", 7),
    City("广东省", "深圳市", 22.54, 114.06, "south", 7),
    City("广东省", "佛山市", 23.02, 113.12, "south", 3),
    City("浙江省", "杭州市", 30.27, 120.15, "south", 6),
    City("浙江省", "宁波市", 29.87, 121.54, "south", 3),
    City("江苏省", "南京市", 32.06, 118.80, "south", 4),
    City("江苏省", "苏州市", 31.30, 120.58, "south", 4),
    City("上海市", "上海市", 31.23, 121.47, "south", 8),
    City("福建省", "厦门市", 24.48, 118.09, "south", 2),
    City("福建省", "福州市", 26.07, 119.30, "south", 2),
    City("四川省", "成都市", 30.57, 104.07, "south", 5),
    City("重庆市", "重庆市", 29.56, 106.55, "south", 4),
    City("湖北省", "武汉市", 30.59, 114.31, "south", 4),
    City("湖南省", "长沙市", 28.23, 112.94, "south", 3),
    City("广西壮族自治区", "南宁市", 22.82, 108.37, "south", 2),
    City("北京市", "北京市", 39.90, 116.41, "north", 8),
    City("天津市", "天津市", 39.34, 117.36, "north", 3),
    City("河北省", "石家庄市", 38.04, 114.51, "north", 2),
    City("山东省", "济南市", 36.65, 117.12, "north", 3),
    City("山东省", "青岛市", 36.07, 120.38, "north", 3),
    City("河南省", "郑州市", 34.75, 113.63, "north", 3),
    City("陕西省", "西安市", 34.34, 108.94, "north", 3),
    City("辽宁省", "沈阳市", 41.81, 123.43, "north", 2),
    City("吉林省", "长春市", 43.82, 125.32, "north", 1),
    City("黑龙江省", "哈尔滨市", 45.80, 126.53, "north", 2),
    City("山西省", "太原市", 37.87, 112.55, "north", 1),
)

POOL_PROVINCES: dict[str, tuple[str, ...]] = {
    pool: tuple(sorted({c.province for c in CITIES if c.pool == pool}))
    for pool in ("south", "north")
}

SURNAMES = "".join(
    (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯",
        "邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈",
    )
)
GIVEN_FEMALE = (
    "秀英",
    "桂英",
    "丽",
    "静",
    "敏",
    "婷",
    "芳",
    "娟",
    "霞",
    "洁",
    "燕",
    "艳",
    "丹",
    "玲",
    "萍",
    "红",
    "佳怡",
    "子涵",
    "雨桐",
    "欣怡",
    "晓燕",
    "慧敏",
    "思琪",
    "梦瑶",
    "淑华",
    "美玲",
    "晓红",
)
GIVEN_MALE = (
    "伟",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "鹏",
    "斌",
    "浩然",
    "宇轩",
    "子轩",
    "建国",
    "志强",
    "海峰",
    "俊杰",
    "文博",
    "国华",
    "立新",
    "晨阳",
)
