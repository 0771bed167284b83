import re

import pytest

from liveloop import bootstrap
from liveloop.access.service import authenticate, resolve_api_key
from liveloop.overview import overview
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from tests.conftest import make_settings


@pytest.fixture
def store(sqlite_url, clock):
    def open_runtime() -> Runtime:
        return bootstrap.open_runtime(make_settings(sqlite_url), clock)

    return open_runtime


def test_init_prints_the_admin_password_once_and_it_works(cli, store):
    first = cli("init")
    assert first.exit_code == 0, first.output
    password = re.search(r"admin / (\S+)", first.output).group(1)
    again = cli("init")
    assert again.exit_code == 0 and password not in again.output
    runtime = store()
    with transaction(runtime.sessions) as session:
        assert authenticate(session, "admin", password) is not None


def test_apikey_create_prints_a_working_key(cli, store):
    result = cli("apikey", "create", "erp-sync", "--role", "integrator")
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    runtime = store()
    with transaction(runtime.sessions) as session:
        principal = resolve_api_key(session, key)
    assert principal is not None and principal.name == "erp-sync"


def test_apikey_with_an_unknown_role_is_refused_with_the_choices(cli):
    result = cli("apikey", "create", "x", "--role", "wizard")
    assert result.exit_code == 2
    assert "unknown role 'wizard'" in result.output and "integrator" in result.output


def test_demo_simulates_a_brand_and_prints_a_login(cli, store):
    result = cli("demo", "--scale", "60", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "60 people" in result.output
    password = re.search(r"demo / (\S+)", result.output).group(1)
    runtime = store()
    with transaction(runtime.sessions) as session:
        assert authenticate(session, "demo", password) is not None
        view = overview(session, runtime.clock.now(), runtime.settings.tz)
    assert view.customers >= 60 and view.lives_held > 90
    rerun = cli("demo", "--scale", "60", "--no-serve")
    assert "keeping it" in rerun.output
    with transaction(store().sessions) as session:
        again = overview(session, runtime.clock.now(), runtime.settings.tz)
    assert again.customers == view.customers
    assert re.search(r"demo / (\S+)", rerun.output).group(1) == password  # the same login


def test_demo_progress_is_plain_lines_when_the_output_is_not_a_terminal(cli):
    result = cli("demo", "--scale", "40", "--no-serve")
    assert result.exit_code == 0, result.output
    for stage in range(1, 5):
        assert re.search(rf"^\[{stage}/4\] .+ done in \d+\.\d s$", result.output, re.M)
    assert re.search(r"^\[1/4\] 模拟品牌数据 .* 40/40$", result.output, re.M)


def test_demo_reset_password_gives_a_new_login_and_the_old_one_stops_working(cli, store):
    first = re.search(r"demo / (\S+)", cli("demo", "--scale", "20", "--no-serve").output)
    reset = cli("demo", "--scale", "20", "--no-serve", "--reset-password")
    second = re.search(r"demo / (\S+)", reset.output)
    assert first and second and first.group(1) != second.group(1)
    with transaction(store().sessions) as session:
        assert authenticate(session, "demo", first.group(1)) is None
        assert authenticate(session, "demo", second.group(1)) is not None
    kept = cli("demo", "--scale", "20", "--no-serve")
    assert re.search(r"demo / (\S+)", kept.output).group(1) == second.group(1)


def test_sim_writes_parquet_files_and_the_truth(cli, tmp_path):
    out = tmp_path / "sim"
    result = cli("sim", "--scale", "50", "--out", str(out), "--end", "2026-06-01")
    assert result.exit_code == 0, result.output
    assert (out / "orders.parquet").exists() and (out / "truth" / "identifiers.parquet").exists()
    assert '"customers": 50' in (out / "truth.json").read_text()


def test_sim_rejects_a_bad_scale_or_date(cli, tmp_path):
    assert cli("sim", "--scale", "0", "--out", str(tmp_path)).exit_code == 2
    bad = cli("sim", "--scale", "5", "--out", str(tmp_path), "--end", "tomorrow")
    assert bad.exit_code == 2 and "--end" in bad.output


def test_prod_mode_refuses_the_default_secret(cli, monkeypatch):
    monkeypatch.setenv("LIVELOOP_MODE", "prod")
    result = cli("init")
    assert result.exit_code == 2
    assert "LIVELOOP_SECRET_KEY" in result.output


def test_demo_refuses_to_run_outside_dev_mode(cli, monkeypatch):
    monkeypatch.setenv("LIVELOOP_MODE", "prod")
    monkeypatch.setenv("LIVELOOP_SECRET_KEY", "k" * 40)
    result = cli("demo", "--scale", "5", "--no-serve")
    assert result.exit_code == 2 and "dev mode" in result.output


def test_version(cli):
    assert cli("version").output.startswith("liveloop 0.1.0")


def test_import_orders_reports_and_writes_rejects(cli, store, tmp_path):
    from decimal import Decimal

    from liveloop.commerce.service import ProductSpec, upsert_product

    runtime = store()
    with transaction(runtime.sessions) as session:
        upsert_product(
            session,
            ProductSpec("SOY-500", "酱油", "调味品", Decimal("19.90"), 540),
            runtime.clock.now(),
        )
    path = tmp_path / "orders.csv"
    path.write_text(
        "订单号,下单时间,手机号,商品编码,数量\nA1,2026-11-01 10:00,13800138000,SOY-500,1\n"
        "A2,2026-11-01 10:00,13800138000,NOPE,1\n",
        encoding="utf-8",
    )
    result = cli("import", "orders", str(path))
    assert result.exit_code == 1, result.output
    assert "1 orders imported" in result.output and "1 rows rejected" in result.output
    assert (tmp_path / "orders.rejects.csv").exists()
    assert cli("import", "orders", str(tmp_path / "nope.csv")).exit_code == 2


def test_identity_split_undoes_a_merge_and_refuses_twice(cli, store):
    from liveloop.identity.resolve import resolve

    runtime = store()
    with transaction(runtime.sessions) as session:
        resolve(session, [("anonymous_id", "a-1")], runtime.clock.now(), source="t")
        resolve(session, [("unionid", "oU")], runtime.clock.now(), source="t")
        resolve(
            session, [("unionid", "oU"), ("anonymous_id", "a-1")], runtime.clock.now(), source="t"
        )
    done = cli("identity", "split", "1")
    assert done.exit_code == 0 and "undone" in done.output
    again = cli("identity", "split", "1")
    assert again.exit_code == 2 and "already split" in again.output
    assert cli("identity", "split", "99").exit_code == 2
