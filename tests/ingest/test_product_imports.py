"""Product files as a back-office exports them (CSV or Excel, Chinese headers): good rows land,
each bad row is reported with its row number, the columns at fault and a Chinese reason, and
nothing of a bad row is written; re-importing changes nothing."""

from __future__ import annotations

import csv

from openpyxl import Workbook

from liveloop.commerce import service as commerce
from liveloop.ingest.service import import_products
from liveloop.store.engine import transaction

HEADER = ["商品编码", "商品名称", "类目", "售价", "保质期(天)", "冷链", "商品组", "规格", "区域池",
          "在售月份", "旺季月份"]  # fmt: skip
ROWS = [
    ["RICE-XIAN-5KG", "有机丝苗籼米 5kg", "大米杂粮", "69.90", "365", "否", "RICE-XIAN", "5kg",
     "南方籼米区", "9-3", "10,11"],
    ["RICE-XIAN-10KG", "马坝油粘籼米 10kg", "大米杂粮", "¥119.00", "365", "否", "RICE-XIAN", "10kg",
     "south", "", ""],
    ["MILK-1L", "鲜牛奶 1L", "乳品", "十九块", "7", "是", "", "", "", "", ""],
    ["EGG-30", "土鸡蛋 30枚", "生鲜", "39.90", "21", "也许", "", "", "火星", "5-13", ""],
    ["JIAOZI", "冬至水饺", "速冻", "29.90", "180", "是", "", "", "", "11,12", "6"],
]  # fmt: skip


def write_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def rejects_of(path):
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_good_rows_land_and_bad_rows_are_reported_with_row_column_and_reason(
    tmp_path, store_runtime
):
    source = write_csv(tmp_path / "商品.csv", HEADER, ROWS)
    report = import_products(store_runtime.sessions, source, store_runtime.clock.now())

    assert (report.rows, report.created, len(report.rejected)) == (5, 2, 3)
    lines = rejects_of(report.rejects_file)
    assert lines[0][:3] == ["行号", "列", "原因"] and lines[0][3:] == HEADER
    by_row = {line[0]: line for line in lines[1:]}
    assert set(by_row) == {"4", "5", "6"}
    assert by_row["4"][1] == "售价" and "不是金额" in by_row["4"][2]
    assert by_row["5"][1] == "冷链、区域池、在售月份"
    assert "没有区域池 火星" in by_row["5"][2] and "是 或 否" in by_row["5"][2]
    # Judged only when stored (the peak outside the season): still named by column.
    assert by_row["6"][1] == "旺季月份" and "旺季月份须在在售月份之内" in by_row["6"][2]
    assert by_row["4"][3:] == ROWS[2]  # the row as it was, to mend and import again

    with transaction(store_runtime.read_sessions) as session:
        rice = commerce.get_product(session, "RICE-XIAN-5KG")
        assert rice.product.months_on_sale == (1, 2, 3, 9, 10, 11, 12)
        assert rice.product.pool == "south" and len(rice.skus) == 2
        assert commerce.get_product(session, "RICE-XIAN-10KG").product.price == 119
        assert commerce.list_products(session, q="鸡蛋").total == 0
        assert commerce.list_products(session, q="水饺").total == 0

    again = import_products(store_runtime.sessions, source, store_runtime.clock.now())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_an_excel_file_imports_the_same_way_and_a_clean_file_leaves_no_rejects(tmp_path, runtime):
    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "name", "category", "price", "shelf_life_days", "cold_chain"])
    sheet.append(["MILK-1L", "鲜牛奶 1L", "乳品", 19.9, 7, "是"])
    sheet.append(["GOJI-250", "宁夏枸杞", "滋补健康", 39, 540, None])
    path = tmp_path / "products.xlsx"
    book.save(path)

    report = import_products(runtime.sessions, path, runtime.clock.now())
    assert (report.created, report.rejected, report.rejects_file) == (2, (), None)
    assert not (tmp_path / "products.rejects.csv").exists()
    with transaction(runtime.read_sessions) as session:
        milk = commerce.get_product(session, "MILK-1L").product
    assert milk.cold_chain is True and str(milk.price) == "19.90"


def test_a_changed_row_updates_its_sku(tmp_path, runtime):
    import_products(
        runtime.sessions, write_csv(tmp_path / "a.csv", HEADER, ROWS[:1]), runtime.clock.now()
    )
    changed = [[*ROWS[0][:3], "65.00", *ROWS[0][4:]]]
    report = import_products(
        runtime.sessions, write_csv(tmp_path / "b.csv", HEADER, changed), runtime.clock.now()
    )
    assert report.updated == 1
    with transaction(runtime.read_sessions) as session:
        assert str(commerce.get_product(session, "RICE-XIAN-5KG").product.price) == "65.00"


def test_the_cli_imports_products_and_points_at_the_rejects(tmp_path, cli):
    source = write_csv(tmp_path / "p.csv", HEADER, ROWS)
    result = cli("import", "products", str(source))
    assert result.exit_code == 1, result.output
    assert "2 products created" in result.output and "3 rows rejected" in result.output
    assert (tmp_path / "p.rejects.csv").exists()
