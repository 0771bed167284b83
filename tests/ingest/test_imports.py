"""Order and customer files: row-level rejects, one transaction per chunk, re-import is a no-op."""

import csv
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from liveloop.commerce.models import Order, OrderStatus
from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.identity.models import Identity
from liveloop.ingest.imports import ImportFileError, import_customers, import_orders
from liveloop.profiles.models import Consent, Customer
from liveloop.store.engine import transaction

HEADER = ["订单号", "下单时间", "手机号", "商品编码", "数量", "单价", "优惠金额", "渠道", "状态"]
ROWS = [
    ["YZ1001", "2026-11-01 20:15:00", "13800138000", "SOY-500", "2", "19.90", "5", "有赞", "paid"],
    ["YZ1001", "2026-11-01 20:15:00", "13800138000", "OYSTER-500", "1", "", "5", "有赞", "paid"],
    ["YZ1002", "2026-11-02T09:00:00+08:00", "+86 139 0013 9000", "SOY-500", "1", "", "", "", ""],
    ["YZ1003", "2026-11-03 10:00", "13700137000", "NOPE-1", "1", "", "", "", ""],  # unknown sku
    ["YZ1004", "昨天", "13700137000", "SOY-500", "1", "", "", "", ""],  # bad date
    ["YZ1005", "2026-11-03 10:00", "null", "SOY-500", "1", "", "", "", ""],  # placeholder phone
    ["YZ1006", "2026-11-03 10:00", "13700137000", "SOY-500", "0", "", "", "", ""],  # quantity
    ["YZ1007", "2026-11-03 10:00", "13700137000", "SOY-500", "1", "-3", "", "", ""],  # price
    ["YZ1008", "2026-11-03 10:00", "13700137000", "SOY-500", "1", "", "", "", "refunded"],
    ["YZ1009", "2026-11-03 10:00", "13700137000", "SOY-500", "1", "", "", "", ""],
    ["YZ1009", "2026-11-04 10:00", "13700137000", "OYSTER-500", "1", "", "", "", ""],  # disagrees
]


@pytest.fixture
def catalog(store_runtime):
    with transaction(store_runtime.sessions) as session:
        for sku, name, price in (
            ("SOY-500", "零添加酱油", "19.90"),
            ("OYSTER-500", "鲜蚝油", "16.80"),
        ):
            upsert_product(
                session,
                ProductSpec(sku, name, "调味品", Decimal(price), 540),
                store_runtime.clock.now(),
            )
    return store_runtime


def write_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def test_good_rows_are_imported_and_bad_rows_land_in_the_rejects_file(catalog, tmp_path):
    rt = catalog
    report = import_orders(
        rt.sessions,
        write_csv(tmp_path / "orders.csv", HEADER, ROWS),
        rt.clock.now(),
        rt.settings.tz,
    )
    assert (report.rows, report.imported, report.rejected) == (11, 3, 7)
    with report.rejects_file.open(encoding="utf-8-sig") as handle:
        rejects = {int(r["row"]): r["reason"] for r in csv.DictReader(handle)}
    assert set(rejects) == {5, 6, 7, 8, 9, 11, 12}
    assert "unknown sku 'NOPE-1'" in rejects[5]
    assert "not a date" in rejects[6]
    assert "placeholder" in rejects[7]
    assert "between 1 and 10,000" in rejects[8]
    assert "unit_price" in rejects[9]
    assert "disagrees with row 11" in rejects[12]
    assert "another line of order YZ1009" in rejects[11]
    with transaction(rt.read_sessions) as session:
        orders = {o.order_no: o for o in session.scalars(select(Order))}
        assert set(orders) == {"YZ1001", "YZ1002", "YZ1008"}
        assert orders["YZ1001"].total == Decimal("51.60")  # 2×19.90 + 16.80 − 5
        assert orders["YZ1008"].status == OrderStatus.REFUNDED
        assert orders["YZ1001"].placed_at.isoformat() == "2026-11-01T12:15:00+00:00"
        phones = set(session.scalars(select(Identity.value).where(Identity.type == "phone")))
    assert phones == {"+8613800138000", "+8613900139000", "+8613700137000"}


def test_importing_the_same_file_again_changes_nothing(catalog, tmp_path):
    rt = catalog
    path = write_csv(tmp_path / "orders.csv", HEADER, ROWS)
    import_orders(rt.sessions, path, rt.clock.now(), rt.settings.tz)
    with transaction(rt.read_sessions) as session:
        before = (
            session.scalar(select(func.count()).select_from(Order)),
            session.scalar(select(func.count()).select_from(Customer)),
        )
    again = import_orders(rt.sessions, path, rt.clock.now(), rt.settings.tz)
    assert (again.imported, again.unchanged) == (0, 3)
    with transaction(rt.read_sessions) as session:
        after = (
            session.scalar(select(func.count()).select_from(Order)),
            session.scalar(select(func.count()).select_from(Customer)),
        )
    assert after == before


def test_excel_customers_with_chinese_headers_and_consents(catalog, tmp_path):
    from openpyxl import Workbook

    rt = catalog
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["会员号", "姓名", "手机号", "生日", "省份", "城市", "会员等级", "短信授权", "企微授权"]
    )
    sheet.append(
        ["M001", "张秀英", 13800138000, "1985-03-08", "广东省", "广州市", "金卡", "是", "否"]
    )
    sheet.append(["M002", "李静", "13900139000", "not a day", "", "", "", "", ""])
    sheet.append(["", "王伟", "", "", "", "", "", "", ""])
    sheet.append(["M003", "赵敏", "13600136000", "", "", "", "", "也许", ""])
    path = tmp_path / "members.xlsx"
    book.save(path)
    report = import_customers(rt.sessions, path, rt.clock.now(), rt.settings.tz)
    assert (report.rows, report.imported, report.rejected) == (4, 1, 3)
    with transaction(rt.read_sessions) as session:
        zhang = session.scalars(select(Customer).where(Customer.name == "张秀英")).one()
        assert (zhang.city, zhang.member_tier, zhang.birthday.isoformat()) == (
            "广州市",
            "金卡",
            "1985-03-08",
        )
        consent = dict(session.execute(select(Consent.channel, Consent.granted)).all())
    assert consent == {"sms": True, "wecom": False}
    again = import_customers(rt.sessions, path, rt.clock.now(), rt.settings.tz)
    assert (again.imported, again.unchanged) == (0, 1)


def test_unreadable_files_are_refused_whole(catalog, tmp_path):
    rt = catalog
    with pytest.raises(ImportFileError, match="csv"):
        import_orders(rt.sessions, tmp_path / "orders.json", rt.clock.now(), rt.settings.tz)
    no_sku = write_csv(
        tmp_path / "o.csv", ["订单号", "下单时间", "数量"], [["1", "2026-11-01", "1"]]
    )
    with pytest.raises(ImportFileError, match="missing column"):
        import_orders(rt.sessions, no_sku, rt.clock.now(), rt.settings.tz)


def test_an_order_only_the_store_can_refuse_is_rejected_and_the_rest_still_lands(catalog, tmp_path):
    rt = catalog
    rows = [
        [
            "D1",
            "2026-11-01 10:00",
            "13800138000",
            "SOY-500",
            "1",
            "",
            "50",
            "",
            "",
        ],  # discount > value
        ["D2", "0001-01-01 00:00", "13800138000", "SOY-500", "1", "", "", "", ""],
        ["D3", "2026-11-01 10:00", "13800138000", "SOY-500", "1", "", "", "", ""],
    ]
    report = import_orders(
        rt.sessions, write_csv(tmp_path / "o.csv", HEADER, rows), rt.clock.now(), rt.settings.tz
    )
    assert (report.imported, report.rejected) == (1, 2)
    with report.rejects_file.open(encoding="utf-8-sig") as handle:
        reasons = {int(r["row"]): r["reason"] for r in csv.DictReader(handle)}
    assert "discount exceeds" in reasons[2] and "2000-2100" in reasons[3]
    with transaction(rt.read_sessions) as session:
        assert set(session.scalars(select(Order.order_no))) == {"D3"}
