"""The 商品 page as an operator uses it: import a file, see what landed and which rows were
refused and why (with the rejects file to download), search, open a SKU with its other 规格,
take it off sale. A guide reads but cannot import."""

from __future__ import annotations

import base64
import re

from tests.console.test_console import _csrf, _user, login
from tests.ingest.test_product_imports import HEADER, ROWS


def _csv(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_operator_imports_searches_and_switches_a_sku_off_sale(client, runtime):
    _user(runtime)
    login(client)
    page = client.get("/console/products")
    assert page.status_code == 200 and "商品列表" in page.text and "导入商品" in page.text

    answer = client.post(
        "/console/products/import",
        data={"csrf_token": _csrf(page.text)},
        files={"file": ("商品.csv", _csv(ROWS), "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert "新建 2 个" in answer.text and "拒绝 3 行" in answer.text
    assert "没有区域池 火星" in answer.text and "售价" in answer.text
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', answer.text).group(1)
    rejects = base64.b64decode(href).decode("utf-8-sig").splitlines()
    assert rejects[0].startswith("行号,列,原因") and len(rejects) == 4
    assert "有机丝苗籼米 5kg" in answer.text  # the list shows what landed

    found = client.get("/console/products", params={"q": "马坝"})
    assert "RICE-XIAN-10KG" in found.text and "RICE-XIAN-5KG" not in found.text

    detail = client.get("/console/products/RICE-XIAN-5KG")
    assert detail.status_code == 200 and "南方籼米区" in detail.text and "同组规格" in detail.text
    assert "RICE-XIAN-10KG" in detail.text and "旺季" in detail.text
    off = client.post(
        "/console/products/RICE-XIAN-5KG/deactivate",
        data={"csrf_token": _csrf(detail.text)},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert "已下架" in client.get("/console/products/RICE-XIAN-5KG").text
    assert client.get("/console/products/NOPE").status_code == 404


def test_a_file_that_is_not_a_product_file_is_refused_with_a_reason(client, runtime):
    _user(runtime)
    login(client)
    token = _csrf(client.get("/console/products").text)
    wrong = client.post(
        "/console/products/import",
        data={"csrf_token": token},
        files={"file": ("orders.csv", b"order_no,sku\nA1,X\n", "text/csv")},
    )
    assert wrong.status_code == 400 and "缺少列" in wrong.text
    pdf = client.post(
        "/console/products/import",
        data={"csrf_token": token},
        files={"file": ("x.pdf", b"%PDF", "application/pdf")},
    )
    assert pdf.status_code == 400 and "请上传" in pdf.text
    forged = client.post(
        "/console/products/import",
        data={"csrf_token": "nope"},
        files={"file": ("商品.csv", _csv(ROWS), "text/csv")},
    )
    assert forged.status_code == 403


def test_a_guide_reads_the_catalog_but_cannot_import(client, runtime):
    _user(runtime, role="guide")
    login(client)
    page = client.get("/console/products")
    assert page.status_code == 200 and "导入商品" not in page.text
    refused = client.post(
        "/console/products/import",
        data={"csrf_token": "any"},
        files={"file": ("商品.csv", _csv(ROWS), "text/csv")},
    )
    assert refused.status_code == 403
