"""Order and customer files (CSV or Excel) from a shop back-office, ERP or spreadsheet.

Every row is validated; good rows are written through the domain services (OneID finds each
buyer) in one transaction per chunk of orders, and every bad row goes to a rejects file with its
row number and reason. Re-importing a file changes nothing: orders are keyed by their number,
customers by their identifiers, and profile fields are only filled where empty.

Orders: one row per order line; lines of one order share ``order_no`` and must agree on the
order's fields. Headers may be English or the Chinese ones shop exports use:

| field | also accepted | required |
|---|---|---|
| order_no | 订单号 | yes |
| placed_at | 下单时间 | yes — ISO 8601, or "YYYY-MM-DD HH:MM[:SS]" in the display timezone |
| sku | 商品编码 | yes, a catalog SKU |
| quantity | 数量 | yes, a whole number ≥ 1 |
| unit_price | 单价 | no (catalog price), yuan ≥ 0 |
| discount | 优惠金额 | no, yuan ≥ 0, per order |
| phone | 手机号, 收货人手机 | at least one buyer identifier: phone, member_no, unionid, … |
| member_no | 会员号 | |
| channel | 渠道 | no (default "import") |
| status | 状态 | no: paid (default) or refunded |

Customers: member_no (会员号), phone (手机号), name (姓名), gender (性别), birthday (生日),
province (省份), city (城市), member_tier (会员等级), consent_sms / consent_wecom / consent_email
(短信授权 / 企微授权 / 邮件授权: 是/否, yes/no, true/false, 1/0).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from liveloop.commerce import service as commerce
from liveloop.errors import DomainError
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import InvalidIdentifier, normalise, resolve
from liveloop.profiles import service as profiles
from liveloop.profiles.service import set_consent
from liveloop.store.engine import transaction

ALIASES = {
    "订单号": "order_no",
    "下单时间": "placed_at",
    "商品编码": "sku",
    "数量": "quantity",
    "单价": "unit_price",
    "优惠金额": "discount",
    "手机号": "phone",
    "收货人手机": "phone",
    "会员号": "member_no",
    "渠道": "channel",
    "状态": "status",
    "姓名": "name",
    "性别": "gender",
    "生日": "birthday",
    "省份": "province",
    "城市": "city",
    "会员等级": "member_tier",
    "短信授权": "consent_sms",
    "企微授权": "consent_wecom",
    "邮件授权": "consent_email",
}
BUYER_FIELDS = ("member_no", "unionid", "phone", "openid", "douyin_id")
CHUNK = 500  # orders or customers per transaction
# Column sizes of the profile fields (profiles.models.Customer); longer values are cut.
FIELD_SIZES = {"name": 64, "gender": 8, "province": 32, "city": 32, "member_tier": 16}
STORE_REFUSED = "a value the store cannot hold"
YES, NO = {"是", "yes", "y", "true", "1"}, {"否", "no", "n", "false", "0"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (unknown format, missing columns)."""


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0  # orders or customers written now
    unchanged: int = 0  # already there (a re-import)
    rejected: int = 0
    rejects_file: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)


class RowError(ValueError):
    pass


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """(columns, rows numbered as a spreadsheet shows them: the header is row 1). The file is
    open only while the rows are being read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader: Callable[[], Iterator[list[str]]] = lambda: _csv_lines(path)  # noqa: E731
    elif suffix in (".xlsx", ".xlsm"):
        reader = lambda: _xlsx_lines(path)  # noqa: E731
    else:
        raise ImportFileError(f"{path.name}: use a .csv (UTF-8) or .xlsx file")
    try:
        header = [_column(h) for h in next(reader(), [])]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise ImportFileError(f"{path.name}: cannot be read ({exc})") from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        lines = reader()
        next(lines, None)
        for number, values in enumerate(lines, start=2):
            if any(values):
                yield number, dict(zip(header, values, strict=False))

    return header, rows()


def _csv_lines(path: Path) -> Iterator[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for values in csv.reader(handle):
            yield [v.strip() for v in values]


def _xlsx_lines(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else _cell(v) for v in values]
    finally:
        book.close()


def _column(name: str) -> str:
    name = name.strip()
    return ALIASES.get(name, name.lower())


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _when(value: str, tz: ZoneInfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise RowError(f"placed_at {value!r} is not a date and time") from None
    if not 2000 <= parsed.year <= 2100:
        raise RowError(f"placed_at {value!r} is outside 2000-2100")
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def _money(value: str, name: str) -> Decimal:
    try:
        amount = Decimal(value.replace("¥", "").replace(",", ""))
    except InvalidOperation:
        raise RowError(f"{name} {value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("10000000"):
        raise RowError(f"{name} {value!r} must be between 0 and 10,000,000")
    return amount.quantize(Decimal("0.01"))


def _buyer(row: dict[str, str]) -> list[tuple[IdentityType, str]]:
    ids = []
    for name in BUYER_FIELDS:
        if row.get(name):
            try:
                ids.append((IdentityType(name), normalise(name, row[name])))
            except InvalidIdentifier as exc:
                raise RowError(str(exc)) from None
    if not ids:
        raise RowError("no buyer identifier (phone, member_no, unionid, openid or douyin_id)")
    return ids


@dataclass
class _Order:
    first_row: int
    rows: list[tuple[int, dict[str, str]]]
    fields: dict[str, Any]
    lines: list[commerce.OrderLine]


def _order_rows(
    rows: Iterator[tuple[int, dict[str, str]]],
    tz: ZoneInfo,
    known_skus: set[str],
    reject: Callable[[int, dict[str, str], str], None],
) -> dict[str, _Order]:
    orders: dict[str, _Order] = {}
    bad: set[str] = set()
    for number, row in rows:
        order_no = row.get("order_no", "")
        try:
            if not order_no or len(order_no) > 64:
                raise RowError("order_no is missing or longer than 64 characters")
            if row.get("sku", "") not in known_skus:
                raise RowError(f"unknown sku {row.get('sku')!r}")
            try:
                quantity = int(row.get("quantity", ""))
            except ValueError:
                raise RowError(f"quantity {row.get('quantity')!r} is not a whole number") from None
            if not 1 <= quantity <= 10000:
                raise RowError("quantity must be between 1 and 10,000")
            price = _money(row["unit_price"], "unit_price") if row.get("unit_price") else None
            status = row.get("status") or "paid"
            if status not in ("paid", "refunded"):
                raise RowError(f"status {status!r} must be paid or refunded")
            fields = {
                "placed_at": _when(row.get("placed_at", ""), tz),
                "buyer": _buyer(row),
                "discount": _money(row["discount"], "discount")
                if row.get("discount")
                else Decimal("0"),
                "channel": (row.get("channel") or "import")[:24],
                "status": status,
            }
        except RowError as exc:
            reject(number, row, str(exc))
            bad.add(order_no)
            continue
        order = orders.get(order_no)
        line = commerce.OrderLine(row["sku"], quantity, price)
        if order is not None and order.fields != fields:
            reject(number, row, f"disagrees with row {order.first_row} about order {order_no}")
            bad.add(order_no)
            continue
        if order is None:
            orders[order_no] = _Order(number, [(number, row)], fields, [line])
        else:
            order.rows.append((number, row))
            order.lines.append(line)
    # An order with any bad line is rejected whole: half an order would be a wrong order.
    for order_no in bad & orders.keys():
        for number, row in orders.pop(order_no).rows:
            reject(number, row, f"another line of order {order_no} was rejected")
    return orders


def import_orders(
    factory: sessionmaker[Session],
    path: Path,
    now: datetime,
    tz: ZoneInfo,
    rejects: Path | None = None,
    source: str = "import",
) -> ImportReport:
    columns, rows = read_rows(path)
    missing = {"order_no", "placed_at", "sku", "quantity"} - set(columns)
    if missing:
        raise ImportFileError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
    report = ImportReport()
    with _Rejects(rejects, path, columns, report) as out:
        with transaction(factory) as session:
            known = commerce.known_skus(session)
        orders = _order_rows(_counting(rows, report), tz, known, out.write)
        _write_each(
            factory,
            [
                (
                    order.rows,
                    partial(
                        _write_order,
                        order_no=no,
                        order=order,
                        now=now,
                        source=source,
                        report=report,
                    ),
                )
                for no, order in orders.items()
            ],
            out,
        )
    return report


Writer = Callable[[Session], None]


def _write_each(
    factory: sessionmaker[Session],
    items: list[tuple[list[tuple[int, dict[str, str]]], Writer]],
    out: _Rejects,
) -> None:
    """Write items in transactions of ``CHUNK`` items, each in its own savepoint: what only the
    store can judge (a discount above the order's value, a date it cannot hold) rejects that
    item's rows, and the chunk goes on."""
    for start in range(0, len(items), CHUNK):
        with transaction(factory) as session:
            for rows, write in items[start : start + CHUNK]:
                try:
                    with session.begin_nested():
                        write(session)
                except (DomainError, DataError) as exc:
                    reason = str(exc) if isinstance(exc, DomainError) else STORE_REFUSED
                    for number, row in rows:
                        out.write(number, row, reason)


def _write_order(
    session: Session,
    *,
    order_no: str,
    order: _Order,
    now: datetime,
    source: str,
    report: ImportReport,
) -> None:
    fields = order.fields
    person = resolve(session, fields["buyer"], fields["placed_at"], source=source).customer_id
    if person is None:  # pragma: no cover - _buyer guarantees a usable identifier
        raise RowError("no usable buyer identifier")
    recorded = commerce.record_order(
        session,
        order_no=order_no,
        customer_id=person,
        lines=order.lines,
        placed_at=fields["placed_at"],
        channel=fields["channel"],
        source=source,
        discount=fields["discount"],
        buyer=[(k.value, v) for k, v in fields["buyer"]],
    )
    if recorded is None:
        report.unchanged += 1
        return
    report.imported += 1
    if fields["status"] == "refunded":
        commerce.refund_order(
            session,
            order_no,
            refunded_at=max(fields["placed_at"], now),
            reason="imported as refunded",
            source=source,
        )


def import_customers(
    factory: sessionmaker[Session],
    path: Path,
    now: datetime,
    tz: ZoneInfo,
    rejects: Path | None = None,
    source: str = "import",
) -> ImportReport:
    columns, rows = read_rows(path)
    if not {"member_no", "phone"} & set(columns):
        raise ImportFileError(f"{path.name}: needs a member_no or phone column")
    report = ImportReport()
    with _Rejects(rejects, path, columns, report) as out:
        pending: list[tuple[list[tuple[int, dict[str, str]]], Writer]] = []
        for number, row in _counting(rows, report):
            try:
                ids, fields, consents = _customer_fields(row)
            except RowError as exc:
                out.write(number, row, str(exc))
                continue
            write = partial(
                _write_customer,
                ids=ids,
                fields=fields,
                consents=consents,
                now=now,
                source=source,
                report=report,
            )
            pending.append(([(number, row)], write))
        _write_each(factory, pending, out)
    return report


def _write_customer(
    session: Session,
    *,
    ids: list[tuple[IdentityType, str]],
    fields: dict[str, Any],
    consents: dict[str, bool],
    now: datetime,
    source: str,
    report: ImportReport,
) -> None:
    found = resolve(session, ids, now, source=source)
    if found.customer_id is None:  # pragma: no cover - ids are validated
        return
    profiles.fill_profile(session, found.customer_id, fields)
    for channel, granted in consents.items():
        set_consent(session, found.customer_id, channel, granted, source, now)
    report.imported += found.created
    report.unchanged += not found.created


def _customer_fields(row: dict[str, str]) -> tuple[list[tuple[IdentityType, str]], dict, dict]:
    ids = []
    for name in ("member_no", "phone"):
        if row.get(name):
            try:
                ids.append((IdentityType(name), normalise(name, row[name])))
            except InvalidIdentifier as exc:
                raise RowError(str(exc)) from None
    if not ids:
        raise RowError("needs member_no or phone")
    fields: dict[str, Any] = {k: row[k][:size] for k, size in FIELD_SIZES.items() if row.get(k)}
    if row.get("birthday"):
        try:
            fields["birthday"] = date.fromisoformat(row["birthday"].replace("/", "-")[:10])
        except ValueError:
            raise RowError(f"birthday {row['birthday']!r} is not a date") from None
    consents = {}
    for column, channel in (
        ("consent_sms", "sms"),
        ("consent_wecom", "wecom"),
        ("consent_email", "email"),
    ):
        value = row.get(column, "").strip().lower()
        if value:
            if value not in YES | NO:
                raise RowError(f"{column} {row[column]!r} must be 是/否 or yes/no")
            consents[channel] = value in YES
    return ids, fields, consents


def _counting(
    rows: Iterator[tuple[int, dict[str, str]]], report: ImportReport
) -> Iterator[tuple[int, dict[str, str]]]:
    for item in rows:
        report.rows += 1
        yield item


class _Rejects:
    """The rejects file: ``row,reason,<the row's columns>``; removed when nothing was rejected."""

    def __init__(
        self, path: Path | None, source: Path, columns: list[str], report: ImportReport
    ) -> None:
        self.path = path or source.with_name(source.stem + ".rejects.csv")
        self.columns, self.report = columns, report

    def __enter__(self) -> _Rejects:
        self.handle = self.path.open("w", newline="", encoding="utf-8-sig")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(["row", "reason", *self.columns])
        return self

    def write(self, number: int, row: dict[str, str], reason: str) -> None:
        self.writer.writerow([number, reason, *(row.get(c, "") for c in self.columns)])
        self.report.rejected += 1
        key = reason.split(" ")[0]
        self.report.reasons[key] = self.report.reasons.get(key, 0) + 1

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
        if self.report.rejected:
            self.report.rejects_file = self.path
        else:
            self.path.unlink()
