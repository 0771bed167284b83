"""The ``liveloop`` command: thin — parses, calls services, shows Rich output.

The store is chosen by LIVELOOP_DATABASE_URL (default: ./liveloop.db, SQLite).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from liveloop import __version__, bootstrap
from liveloop.access import service as access
from liveloop.config import Settings, UnsafeSettings
from liveloop.runtime import Runtime
from liveloop.sim.config import SHANGHAI, SimConfig
from liveloop.store.engine import transaction

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from liveloop.live.service import ShowView

app = typer.Typer(help="liveloop (回头客引擎): private-domain operations for food brands.")
apikey_app = typer.Typer(help="API keys for machine clients.")
app.add_typer(apikey_app, name="apikey")
sources_app = typer.Typer(help="Sources: where tracked events come from, each with a write key.")
app.add_typer(sources_app, name="sources")
import_app = typer.Typer(help="Import orders or customers from CSV / Excel files.")
app.add_typer(import_app, name="import")
identity_app = typer.Typer(help="OneID: the identity graph.")
analytics_app = typer.Typer(help="Analytics jobs and models.")
app.add_typer(analytics_app, name="analytics")
app.add_typer(identity_app, name="identity")
live_app = typer.Typer(help="直播 (live): rooms, shows, comments understood, simulated shows.")
app.add_typer(live_app, name="live")
community_app = typer.Typer(help="社区团购 (community): leaders, pickup points, T+1 batches.")
app.add_typer(community_app, name="community")
inventory_app = typer.Typer(help="库存 (inventory): warehouses, stock by SKU and lot.")
app.add_typer(inventory_app, name="inventory")
commission_app = typer.Typer(help="佣金 (commission): statements and the ledger's reconciliation.")
app.add_typer(commission_app, name="commission")
console = Console()
err = Console(stderr=True)

ADMIN = "admin"


def _settings() -> Settings:
    try:
        return Settings()
    except (UnsafeSettings, ValidationError) as exc:
        err.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


def _open(settings: Settings | None = None) -> Runtime:
    settings = settings or _settings()
    try:
        return bootstrap.open_runtime(settings)
    except Exception as exc:
        err.print(f"[red]Cannot open the store[/red] ({_safe_url(settings)}): {exc}")
        raise typer.Exit(1) from None


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"liveloop {__version__}")


@app.command()
def init() -> None:
    """Create or migrate the store and the admin login (its password is printed once)."""
    runtime = _open()
    with transaction(runtime.sessions) as session:
        if access.user_exists(session, ADMIN):
            console.print(f"Store at {_safe_url(runtime.settings)} is ready; admin already exists.")
            return
        _, password = access.create_user(
            session, ADMIN, "admin", runtime.clock.now(), display_name="管理员"
        )
    console.print(
        Panel(
            f"Store: {_safe_url(runtime.settings)}\nConsole login: [bold]{ADMIN}[/bold] / "
            f"[bold]{password}[/bold]\nThis password is shown once; store it now.",
            title="liveloop initialised",
        )
    )


@apikey_app.command("create")
def apikey_create(
    name: str,
    role: Annotated[
        str, typer.Option(help="admin, operator, analyst, integrator, …")
    ] = "integrator",
) -> None:
    """Create an API key; it is printed once, for `Authorization: Bearer KEY`."""
    runtime = _open()
    try:
        with transaction(runtime.sessions) as session:
            principal, key = access.create_api_key(session, name, role, runtime.clock.now())
    except access.AccessError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"API key for {principal.name} ({principal.role.value}), shown once:")
    console.print(key, soft_wrap=True, highlight=False)


@sources_app.command("create")
def sources_create(
    name: str,
    kind: Annotated[
        str, typer.Option(help="mini_program, h5_live, wecom, pos, server or live_platform")
    ] = "server",
    rate: Annotated[
        int | None, typer.Option(help="Events per second this source may send (default: no limit)")
    ] = None,
    order_ledger: Annotated[
        bool, typer.Option(help="Its Order Completed / Order Refunded events become orders")
    ] = False,
) -> None:
    """Create a source; its write key (and a live platform's signing secret) is printed once."""
    from liveloop.ingest import service as sources

    runtime = _open()
    try:
        with transaction(runtime.sessions) as session:
            created = sources.create_source(
                session,
                name,
                runtime.clock.now(),
                kind=kind,
                rate_limit_per_s=rate,
                order_ledger=order_ledger,
            )
    except sources.SourceError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    source = created.source
    console.print(f"Source {source.name} ({source.kind.value}); its write key, shown once:")
    console.print(f"write key: {created.write_key}", soft_wrap=True, highlight=False)
    if created.signing_secret:
        console.print(f"signing secret: {created.signing_secret}", soft_wrap=True, highlight=False)


@sources_app.command("list")
def sources_list() -> None:
    """List the sources (never their keys)."""
    from liveloop.ingest import service as sources

    runtime = _open()
    with transaction(runtime.read_sessions) as session:
        rows = sources.list_sources(session)
    table = Table("name", "kind", "key", "rate/s", "created", "status", title="sources")
    for source in rows:
        table.add_row(
            source.name,
            source.kind.value,
            source.key_prefix + "…",
            f"{source.rate_limit_per_s:,}" if source.rate_limit_per_s else "–",
            source.created_at.astimezone(runtime.settings.tz).strftime("%Y-%m-%d %H:%M"),
            "active" if source.active else "disabled",
        )
    console.print(table)
    ledgers = [source.name for source in rows if source.order_ledger]
    if ledgers:
        console.print(f"Order ledgers (their Order Completed become orders): {', '.join(ledgers)}")


@sources_app.command("ledger")
def sources_ledger(
    name: str,
    on: Annotated[
        bool, typer.Option("--on/--off", help="Mark or unmark as an order ledger")
    ] = True,
) -> None:
    """Mark a source as an order ledger: its Order Completed / Order Refunded become orders."""
    from liveloop.ingest import service as sources

    runtime = _open()
    try:
        with transaction(runtime.sessions) as session:
            sources.set_order_ledger(session, name, on)
    except sources.SourceError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    state = "is an order ledger now" if on else "is no longer an order ledger"
    console.print(f"Source {name} {state}.")


@sources_app.command("disable")
def sources_disable(name: str) -> None:
    """Stop accepting a source's write key (servers notice within 5 seconds)."""
    from liveloop.ingest import service as sources

    runtime = _open()
    try:
        with transaction(runtime.sessions) as session:
            sources.disable_source(session, name, runtime.clock.now())
    except sources.SourceError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Source {name} is disabled; its write key is refused from now on.")


def _import(kind: str, path: Path, rejects: Path | None) -> None:
    from liveloop.ingest.service import ImportFileError, import_customers, import_orders

    if not path.is_file():
        err.print(f"[red]No such file: {path}[/red]")
        raise typer.Exit(2)
    runtime = _open()
    run = import_orders if kind == "orders" else import_customers
    try:
        with console.status(f"importing {kind} from {path.name}"):
            report = run(runtime.sessions, path, runtime.clock.now(), runtime.settings.tz, rejects)
    except ImportFileError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"{report.rows} rows: {report.imported} {kind} imported, {report.unchanged} already "
        f"there, {report.rejected} rows rejected."
    )
    if report.rejects_file:
        console.print(f"Rejected rows and reasons: {report.rejects_file}")
        raise typer.Exit(1)


@import_app.command("orders")
def import_orders_command(
    path: Path,
    rejects: Annotated[Path | None, typer.Option(help="Where to write rejected rows")] = None,
) -> None:
    """Import orders (one row per line); bad rows go to FILE.rejects.csv with reasons."""
    _import("orders", path, rejects)


@import_app.command("customers")
def import_customers_command(
    path: Path,
    rejects: Annotated[Path | None, typer.Option(help="Where to write rejected rows")] = None,
) -> None:
    """Import members/customers; bad rows go to FILE.rejects.csv with reasons."""
    _import("customers", path, rejects)


@import_app.command("products")
def import_products_command(
    path: Path,
    rejects: Annotated[Path | None, typer.Option(help="Where to write rejected rows")] = None,
) -> None:
    """Import products/SKUs (CSV or Excel, keyed by SKU); bad rows go to FILE.rejects.csv with
    their row, columns and reason."""
    from liveloop.ingest.service import ImportFileError, import_products

    if not path.is_file():
        err.print(f"[red]No such file: {path}[/red]")
        raise typer.Exit(2)
    runtime = _open()
    try:
        with console.status(f"importing products from {path.name}"):
            report = import_products(runtime.sessions, path, runtime.clock.now(), rejects)
    except ImportFileError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"{report.rows} rows: {report.created} products created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.rejected)} rows rejected."
    )
    if report.rejects_file:
        console.print(f"Rejected rows and reasons: {report.rejects_file}")
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Serve the API and the console (workers run in-process)."""
    runtime = _open()
    _serve(runtime, host, port)


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Seconds to sleep when there is no work")] = 0.5,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Run only this kind of work (repeatable): consumers, tasks, outbox, analytics, "
            "live"
        ),
    ] = None,
) -> None:
    """Run a worker process: the same background work as ``serve`` — event consumers,
    journeys' due steps and other periodic tasks, the outbox, the analytics schedule and, with
    ``LIVELOOP_LIVE_BUS=redis``, live's stream feed (on the memory bus the server runs its own:
    only its frames reach its consoles). Start several on PostgreSQL to share the work; stop
    with Ctrl-C or SIGTERM (the pass finishes)."""
    import signal

    settings = _settings()
    kinds = only or [
        kind
        for kind in bootstrap.WORK_KINDS
        if kind != bootstrap.LIVE or settings.live_bus == "redis"
    ]
    unknown = sorted(set(kinds) - set(bootstrap.WORK_KINDS))
    if unknown:
        err.print(
            f"[red]Unknown kind of work: {', '.join(unknown)}[/red] "
            f"(choose from {', '.join(bootstrap.WORK_KINDS)})"
        )
        raise typer.Exit(2)
    runtime = bootstrap.wire(_open(settings))
    work = bootstrap.start_work(runtime, kinds, poll_seconds=poll)
    signal.signal(signal.SIGTERM, lambda *_: work.worker.stop(timeout=0))
    console.print(
        f"Worker on {_safe_url(runtime.settings)}: {', '.join(sorted(work.kinds))} "
        "(Ctrl-C stops it)"
    )
    try:
        work.run()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


def _serve(runtime: Runtime, host: str, port: int) -> None:
    import uvicorn

    from liveloop.app import create_app

    console.print(f"Console: [bold]http://{host}:{port}/console[/bold]  API docs: /docs")
    uvicorn.run(create_app(runtime=runtime), host=host, port=port, log_level="info")


@app.command()
def demo(
    scale: Annotated[int, typer.Option(help="Number of simulated customers")] = 1_000,
    seed: Annotated[int, typer.Option(help="Simulation seed")] = SimConfig.seed,
    serve_console: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    feed: Annotated[
        bool, typer.Option("--feed/--no-feed", help="Keep the brand trading while serving")
    ] = True,
    reset_password: Annotated[
        bool, typer.Option("--reset-password", help="Give the demo login a new password")
    ] = False,
    show: Annotated[
        bool, typer.Option("--show/--no-show", help="Keep a simulated live show running")
    ] = True,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Simulate the demo brand (禾谷鲜生) into the configured store, then serve the console.
    The login printed on the first start stays the same on every later start."""
    from liveloop import demo as demo_brand

    settings = _settings()
    if settings.mode != "dev":
        err.print("[red]`liveloop demo` loads simulated data; it only runs in dev mode.[/red]")
        raise typer.Exit(2)
    config = _sim_config(scale, seed, end=_today_in_shanghai())
    runtime = _open(settings)
    try:
        built = demo_brand.build(runtime, config, demo_brand.Stages(console))
    except demo_brand.DemoRefused as exc:
        err.print(f"[red]{exc}.[/red]")
        raise typer.Exit(2) from None
    if built.report is None:
        console.print("The demo brand is already in the store; keeping it.")
    else:
        report = built.report
        console.print(
            f"Demo brand loaded: {built.people} people → {built.customers} customers after "
            f"OneID, {report.orders} orders ({report.refunds} refunded), {report.lives} lives, "
            f"{report.events} tracked events."
        )
    login = demo_brand.login(runtime, reset=reset_password)
    password = (
        f"[bold]{login.password}[/bold]"
        if login.password
        else "(the one printed at the first start; `liveloop demo --reset-password` sets a new one)"
    )
    url = f"http://{host}:{port}/console"
    console.print(
        Panel(
            f"Console: [bold]{url}[/bold]\nLogin: [bold]{login.username}[/bold] / {password}"
            "\n团长工作台: [bold]tuanzhang1[/bold] / the same password",
            title="liveloop demo",
        )
    )
    if serve_console:
        if feed:
            from liveloop.sim.feed import DemoFeed

            # The brand keeps trading while the console is open, so journeys move.
            DemoFeed(runtime).start()
        if show:
            # A show runs in room main through the server's own signed webhook, so the host
            # console moves; it waits for the server to answer.
            local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
            demo_brand.start_show(runtime, config, f"http://{local}:{port}")
            console.print("直播间 main: 模拟直播进行中 (`--no-show` to stop it)")
        _serve(runtime, host, port)


@app.command()
def sim(
    out: Annotated[Path, typer.Option(help="Directory for the Parquet files and truth")],
    scale: Annotated[int, typer.Option(help="Number of simulated people")] = 10_000,
    seed: Annotated[int, typer.Option(help="Simulation seed")] = SimConfig.seed,
    end: Annotated[str | None, typer.Option(help="Last day (exclusive), YYYY-MM-DD")] = None,
    workers: Annotated[int, typer.Option(help="Processes generating chunks")] = 1,
) -> None:
    """Simulate the brand into files only (Parquet + truth), for benchmarks and analysts."""
    from liveloop.sim.files import write_files

    config = _sim_config(scale, seed, end=_parse_day(end) if end else None)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("simulating", total=scale)
        counts = write_files(
            config, out, workers=workers, progress=lambda n: progress.update(task, completed=n)
        )
    table = Table("table", "rows", title=f"liveloop sim → {out}")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


@analytics_app.command("fit-clv")
def analytics_fit_clv(
    summary: Annotated[Path, typer.Option(help="CSV: frequency,recency,T[,monetary_value]")],
    model: Annotated[str, typer.Option(help="bgnbd, pareto or gammagamma")] = "bgnbd",
) -> None:
    """Fit a CLV model on your own per-customer summary; prints parameters, standard errors and
    the log-likelihood as JSON."""
    import json

    from liveloop.analytics.service import SummaryError, fit_file

    if not summary.is_file():
        err.print(f"[red]No such file: {summary}[/red]")
        raise typer.Exit(2)
    try:
        result = fit_file(summary, model)
    except SummaryError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(json.dumps(result, ensure_ascii=False, indent=2))


@analytics_app.command("rules")
def analytics_rules(
    baskets: Annotated[Path, typer.Option(help="One basket per line, items comma-separated")],
    min_support: Annotated[float, typer.Option(help="Fewest baskets, as a fraction in (0, 1]")],
    min_confidence: Annotated[float, typer.Option(help="Lowest confidence, in (0, 1]")],
    max_len: Annotated[int | None, typer.Option(help="Most items in a rule (default: any)")] = None,
    max_consequent: Annotated[int, typer.Option(help="Most items on a rule's right side")] = 1,
    out: Annotated[Path | None, typer.Option(help="CSV file to write (default: stdout)")] = None,
) -> None:
    """Association rules (market-basket analysis) of a basket file, as CSV:
    antecedents,consequents,support,confidence,lift — strongest lift first."""
    import sys

    from liveloop.analytics.service import mine, read_baskets, write_rules_csv

    try:
        mining = mine(read_baskets(baskets), min_support, min_confidence, max_len, max_consequent)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    if out is None:
        write_rules_csv(mining.rules, sys.stdout)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as stream:
            write_rules_csv(mining.rules, stream)
    except OSError as exc:
        err.print(f"[red]Cannot write {out}: {exc.strerror}[/red]", highlight=False)
        raise typer.Exit(2) from None
    err.print(f"{len(mining.rules)} rules from {mining.baskets} baskets → {out}")


@analytics_app.command("run")
def analytics_run(
    jobs: Annotated[list[str] | None, typer.Argument(help="Jobs to run (default: all)")] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb (default) or spark")] = None,
) -> None:
    """Refresh the snapshot, run analytics jobs (and what they depend on), write the results
    back to the store for profiles, segments and the console."""
    from liveloop.analytics.jobs.plan import UnknownJob, plan
    from liveloop.analytics.service import ENGINES, run_analytics

    if engine is not None and engine not in ENGINES:
        err.print(f"[red]--engine must be one of {', '.join(ENGINES)}[/red]")
        raise typer.Exit(2)
    names = tuple(jobs or ())
    try:
        planned = plan(names)
    except UnknownJob as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    runtime = _open()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("analytics", total=len(planned))

        def show(name: str, done: int, total: int) -> None:
            progress.update(task, completed=done, description=f"分析任务 {name}")

        summary = run_analytics(runtime, names, engine=engine, progress=show)
    table = Table("job", "seconds", "result", title=f"analytics run {summary.run_id}")
    for name in summary.jobs:
        found = summary.diagnostics.get(name, {})
        detail = {k: v for k, v in found.items() if k != "seconds"}
        table.add_row(name, f"{found.get('seconds', 0):.2f}", _brief(detail))
    console.print(table)
    written = ", ".join(f"{k} {v:,}" for k, v in summary.written.items())
    console.print(f"{summary.engine}: {summary.seconds:.1f} s; written: {written}")


def _brief(detail: dict, width: int = 90) -> str:
    import json

    text = json.dumps(detail, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


@identity_app.command("split")
def identity_split(merge_id: int) -> None:
    """Undo a bad OneID merge (see GET /v1/identity/merges for the audit)."""
    from liveloop.errors import DomainError
    from liveloop.identity.service import split

    runtime = _open()
    try:
        with transaction(runtime.sessions) as session:
            restored = split(session, merge_id, runtime.clock.now(), runtime.settings.tz)
    except DomainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Merge {merge_id} undone; customer {restored} stands on their own again.")


@identity_app.command("recompute")
def identity_recompute(
    sim_dir: Annotated[Path, typer.Option(help="A `liveloop sim` output directory")],
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
    out: Annotated[
        Path | None, typer.Option(help="Directory for identifiers/observations/blocked.parquet")
    ] = None,
    block: Annotated[
        list[str] | None, typer.Option(help="TYPE:VALUE that identifies nobody (repeatable)")
    ] = None,
) -> None:
    """Recompute every person from scratch (batch OneID); scored when the truth is there."""
    from liveloop.analytics.service import ENGINES, open_engine
    from liveloop.identity.service import recompute_people

    if engine not in ENGINES:
        err.print(f"[red]--engine must be one of {', '.join(ENGINES)}[/red]")
        raise typer.Exit(2)
    if not (sim_dir / "events.parquet").exists():
        err.print(f"[red]{sim_dir} holds no simulator output (events.parquet)[/red]")
        raise typer.Exit(2)
    blocklist: list[tuple[str, str]] = []
    for item in block or []:
        kind, sep, blocked = item.partition(":")
        if not sep:
            err.print(f"[red]--block takes TYPE:VALUE, not {item!r}[/red]")
            raise typer.Exit(2)
        blocklist.append((kind, blocked))
    with open_engine(engine) as opened:
        result = recompute_people(opened, sim_dir, blocklist=blocklist, out=out)
    done, counts = result.recomputed, result.observations
    table = Table("", "count", title=f"OneID recompute on {result.engine}")
    for label, value in (
        ("records read", counts.records),
        ("observations placed", done.observations),
        ("excluded (no usable identifier)", counts.records - done.observations),
        ("identifiers", done.identifiers),
        ("people", done.people),
        ("refused raw values (placeholders, malformed)", counts.refused_values),
        ("shared devices blocked", done.shared_blocked),
        ("components settled (limit conflicts)", done.conflicts_settled),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    console.print(
        f"observations {result.observation_seconds:.1f} s, "
        f"recompute {result.recompute_seconds:.1f} s"
    )
    if result.accuracy and result.linkable and result.traps:
        accuracy, traps = result.accuracy, result.traps
        console.print(
            f"pairwise precision {accuracy.precision:.4f}, recall {accuracy.recall:.4f} "
            f"(linking everything ever seen together: recall {result.linkable.recall:.4f})"
        )
        console.print(
            f"traps: placeholders placed {traps.placeholders_placed}/{traps.placeholders}, "
            f"shared devices blocked {traps.shared_devices_blocked}/{traps.shared_devices}, "
            f"reassigned phones kept apart {traps.reassigned_kept_apart}/"
            f"{traps.reassigned_phones}, typo rows with their member "
            f"{traps.typo_rows_with_member}/{traps.typo_rows}"
        )
    if out is not None:
        console.print(f"Results in {out}")


@live_app.command("simulate")
def live_simulate(
    room: Annotated[str, typer.Argument(help="The live room, e.g. main")],
    speed: Annotated[
        float, typer.Option(help="Times real time (0: as fast as the server takes it)", min=0)
    ] = 1.0,
    url: Annotated[str, typer.Option(help="The running `liveloop serve`")] = (
        "http://127.0.0.1:8000"
    ),
    write_key: Annotated[
        str,
        typer.Option(
            envvar="LIVELOOP_LIVE_WRITE_KEY",
            help="Write key of a live_platform source (`liveloop sources create`)",
        ),
    ] = "",
    secret: Annotated[
        str,
        typer.Option(envvar="LIVELOOP_LIVE_SIGNING_SECRET", help="That source's signing secret"),
    ] = "",
    seed: Annotated[int, typer.Option(help="Which show (same seed, same show)")] = 1,
    minutes: Annotated[int, typer.Option(help="The show's length")] = 120,
    viewers: Annotated[int, typer.Option(help="Distinct viewers over the show")] = 400,
    scale: Annotated[
        int,
        typer.Option(help="The demo brand's size (`liveloop demo --scale`), whose members come"),
    ] = 1_000,
    brand_seed: Annotated[int, typer.Option(help="The demo brand's seed")] = SimConfig.seed,
    live_session_id: Annotated[
        int | None, typer.Option(help="The show (live session) the events name")
    ] = None,
    batch: Annotated[int, typer.Option(help="Events per delivery", min=1, max=500)] = 200,
) -> None:
    """Replay a simulated show into ROOM through the real signed webhook of a running server:
    viewers coming and going (with a viewer drop), comments and clustered questions, VIP
    arrivals, clicks, carts and orders."""
    import dataclasses

    from liveloop.sim.replay import DeliveryRefused, ReplayError, ServerUnreachable, Webhook
    from liveloop.sim.replay import Progress as ReplayProgress
    from liveloop.sim.replay import replay_show as replay
    from liveloop.sim.shows import ShowConfig, generate_show

    if not write_key or not secret:
        err.print(
            "[red]需要直播平台来源的 write key 和 signing secret[/red] (--write-key/--secret or "
            "LIVELOOP_LIVE_WRITE_KEY/LIVELOOP_LIVE_SIGNING_SECRET; "
            "`liveloop sources create NAME --kind live_platform` prints both)"
        )
        raise typer.Exit(2)
    try:
        brand = dataclasses.replace(
            SimConfig(customers=scale, seed=brand_seed), end=_today_in_shanghai()
        )
        config = ShowConfig(seed=seed, room=room, minutes=minutes, viewers=viewers, brand=brand)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    show = generate_show(config)
    truth = show.truth
    console.print(
        f"直播间 {room}: {len(show.events):,} 个事件, {truth.viewers} 位观众, {minutes} 分钟, "
        f"{'全速' if speed == 0 else f'{speed:g} 倍速'} → {url}"
    )
    webhook = Webhook(url, room, write_key, secret)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("直播中", total=len(show.events))

        def show_progress(p: ReplayProgress) -> None:
            progress.update(
                task,
                completed=p.sent,
                description=(
                    f"第 {int(p.at // 60) + 1}/{minutes} 分钟 在线 {p.online} "
                    f"订单 {p.orders} GMV ¥{p.gmv:,.2f}"
                ),
            )

        try:
            done = replay(
                show,
                webhook,
                speed=speed,
                batch=batch,
                live_session_id=live_session_id,
                on_progress=show_progress,
            )
        except ServerUnreachable as exc:
            err.print(f"[red]无法连接服务器[/red] {exc} — is `liveloop serve` running?")
            raise typer.Exit(1) from None
        except DeliveryRefused as exc:
            err.print(f"[red]服务器拒绝了投递 ({exc.status})[/red]: {exc.reason}", highlight=False)
            raise typer.Exit(2) from None
        except ReplayError as exc:  # pragma: no cover - every kind is caught above
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    table = Table("", "", title=f"直播间 {room} 模拟直播 (seed {seed})")
    for label, value in (
        ("已发送事件", f"{done.sent:,}"),
        ("观众 / 最高在线", f"{truth.viewers} / {truth.peak_online}"),
        ("观众流失", f"第 {truth.drop_minute} 分钟 {truth.drop_leavers} 人离开"),
        ("VIP 进场", ", ".join(f"{v.name}({v.tier})" for v in truth.vips) or "–"),
        ("问题聚类", ", ".join(f"{c.key}×{c.count}" for c in truth.clusters) or "–"),
        ("订单 / GMV", f"{truth.orders} / ¥{truth.gmv:,.2f}"),
    ):
        table.add_row(label, value)
    console.print(table)


live_rooms_app = typer.Typer(help="Live rooms: list them or add one.")
live_app.add_typer(live_rooms_app, name="rooms")
live_shows_app = typer.Typer(help="Shows: list, schedule, start and end them.")
live_app.add_typer(live_shows_app, name="shows")


def _live_refused(exc: Exception) -> typer.Exit:
    err.print(f"[red]{exc}[/red]")
    return typer.Exit(2)


@live_rooms_app.command("list")
def live_rooms_list() -> None:
    """List the rooms (connector settings without secrets)."""
    from liveloop.live import service as lives

    runtime = _open()
    with transaction(runtime.read_sessions) as session:
        rooms = lives.list_rooms(session)
    table = Table("code", "name", "platform", "connector", title="live rooms")
    for room in rooms:
        settings = " ".join(f"{k}={v}" for k, v in room.connector.items())
        secret = f" secret_ref={room.secret_ref}" if room.secret_ref else ""
        table.add_row(room.code, room.name, lives.PLATFORM_NAMES[room.platform], settings + secret)
    console.print(table)


@live_rooms_app.command("add")
def live_rooms_add(
    code: Annotated[str, typer.Argument(help="The room code of /v1/live/{room}/events")],
    name: Annotated[str, typer.Argument(help="The room's name, e.g. 视频号直播间")],
    platform: Annotated[
        str, typer.Option(help="own_h5, wechat_channels or wecom_living")
    ] = "own_h5",
    setting: Annotated[
        list[str] | None,
        typer.Option(help="A non-secret connector setting KEY=VALUE (repeatable)"),
    ] = None,
    secret_ref: Annotated[
        str | None, typer.Option(help="The setting that holds the connector's secret")
    ] = None,
) -> None:
    """Add a room."""
    from liveloop.live import service as lives

    connector = {}
    for item in setting or []:
        key, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]--setting takes KEY=VALUE, not {item!r}[/red]")
            raise typer.Exit(2)
        connector[key.strip()] = value.strip()
    runtime = _open()
    try:
        with transaction(runtime.sessions) as session:
            room = lives.create_room(
                session,
                code=code,
                name=name,
                platform=platform,
                now=runtime.clock.now(),
                connector=connector,
                secret_ref=secret_ref,
            )
    except lives.LiveError as exc:
        raise _live_refused(exc) from None
    console.print(f"Room {room.code} ({room.name}, {lives.PLATFORM_NAMES[room.platform]}) added.")


def _show_row(show: ShowView, tz: ZoneInfo) -> list[str]:
    from liveloop.live import service as lives

    at = show.scheduled_at.astimezone(tz)
    people = (show.host or "–") + (f" / {', '.join(show.controllers)}" if show.controllers else "")
    return [
        str(show.id),
        at.strftime("%Y-%m-%d %H:%M"),
        show.room,
        show.title,
        show.series or "–",
        people,
        lives.STATUS_NAMES.get(show.status, show.status),
    ]


@live_shows_app.command("list")
def live_shows_list(
    room: Annotated[str | None, typer.Option(help="Only this room")] = None,
    status: Annotated[str | None, typer.Option(help="scheduled, live, ended or cancelled")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 20,
) -> None:
    """List shows, newest first."""
    from liveloop.live import service as lives

    runtime = _open()
    with transaction(runtime.read_sessions) as session:
        shows = lives.list_shows(session, room=room, status=status, limit=max(1, limit))
    table = Table("id", "scheduled", "room", "title", "series", "host / 场控", "status")
    for show in shows:
        table.add_row(*_show_row(show, runtime.settings.tz))
    console.print(table)


@live_shows_app.command("schedule")
def live_shows_schedule(
    room: Annotated[str, typer.Argument(help="The room's code")],
    title: Annotated[str, typer.Argument(help="The show's title")],
    at: Annotated[str, typer.Option(help="Start, brand time: 2026-12-09 20:00")],
    series: Annotated[str | None, typer.Option(help="e.g. 主食健康课")] = None,
    host: Annotated[str | None, typer.Option(help="The host's username")] = None,
    controller: Annotated[
        list[str] | None, typer.Option(help="A 场控's username (repeatable)")
    ] = None,
    minutes: Annotated[int | None, typer.Option(help="Planned length in minutes")] = None,
    members_only: Annotated[bool, typer.Option(help="Only members enter")] = False,
    early_tier: Annotated[
        str | None, typer.Option(help="Members of this tier and above enter early (银卡 …)")
    ] = None,
    early_minutes: Annotated[int, typer.Option(help="How early they enter")] = 0,
) -> None:
    """Schedule a show in a room."""
    from liveloop.live import service as lives

    runtime = _open()
    try:
        starts = datetime.fromisoformat(at)
    except ValueError:
        err.print(f"[red]--at must be a time like 2026-12-09 20:00, not {at!r}[/red]")
        raise typer.Exit(2) from None
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=runtime.settings.tz)
    spec = lives.ShowSpec(
        room=room,
        title=title,
        scheduled_at=starts,
        series=series,
        host=host,
        controllers=tuple(controller or ()),
        planned_minutes=minutes,
        audience=lives.AudienceRule(members_only, early_tier, early_minutes),
    )
    try:
        with transaction(runtime.sessions) as session:
            show = lives.schedule_show(session, spec, runtime.clock.now())
    except lives.LiveError as exc:
        raise _live_refused(exc) from None
    console.print(
        f"Show {show.id} scheduled: {' · '.join(_show_row(show, runtime.settings.tz)[1:4])}"
    )


def _move_show(live_id: int, start: bool) -> None:
    from liveloop.live import service as lives

    runtime = _open()
    step = lives.start_show if start else lives.end_show
    try:
        with transaction(runtime.sessions) as session:
            show = step(session, live_id, runtime.clock.now())
    except lives.LiveError as exc:
        raise _live_refused(exc) from None
    console.print(f"Show {show.id} ({show.title}) is {show.status}.")


@live_shows_app.command("start")
def live_shows_start(live_id: int) -> None:
    """Put a scheduled show on air (states Live Started)."""
    _move_show(live_id, start=True)


@live_shows_app.command("end")
def live_shows_end(live_id: int) -> None:
    """Take a show off air (states Live Ended)."""
    _move_show(live_id, start=False)


def _sim_config(scale: int, seed: int, end: date | None) -> SimConfig:
    try:
        config = SimConfig(customers=scale, seed=seed)
        return dataclasses.replace(config, end=end) if end else config
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]--end must be a date like 2026-11-15, not {value!r}[/red]")
        raise typer.Exit(2) from None


def _today_in_shanghai() -> date:
    return datetime.now(SHANGHAI).date()


@live_app.command("understand")
def live_understand(
    source: Annotated[
        str, typer.Argument(help="评论文件：每行一条，或表头含 text 列的 TSV；- 读标准输入")
    ],
) -> None:
    """Read live comments (one a line, or a TSV with a text column) and print TSV
    text, intent, aspect, sentiment — one line per comment, blank lines skipped."""
    import sys

    from liveloop.live.service import understand

    if source == "-":
        raw = sys.stdin.buffer.read()
    elif not Path(source).is_file():
        err.print(f"[red]找不到文件 {source} (no such file)[/red]")
        raise typer.Exit(2)
    else:
        raw = Path(source).read_bytes()
    try:
        texts = _comments_of(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        err.print(f"[red]{source} 不是 UTF-8 编码 (not UTF-8): 第 {exc.start} 字节[/red]")
        raise typer.Exit(2) from None
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    out = []
    for start in range(0, len(texts), 2_000):
        batch = texts[start : start + 2_000]
        for text, reading in zip(batch, understand(batch), strict=True):
            shown = " ".join(text.replace("\t", " ").splitlines())
            out.append(f"{shown}\t{reading.intent}\t{reading.aspect}\t{reading.sentiment}\n")
    sys.stdout.write("".join(out))


def _comments_of(content: str) -> list[str]:
    """The comments of a file: the ``text`` column when the first line is a TSV header (it
    holds a tab, or is ``text`` alone), else every non-blank line."""
    import csv

    lines = content.splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    if len(header) == 1 and header[0].strip() != "text":
        return [line for line in lines if line.strip()]
    columns = [name.strip() for name in header]
    if "text" not in columns:
        raise ValueError(f"TSV 表头没有 text 列 (no text column): {lines[0][:200]}")
    rows = csv.reader(content.splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE)
    at = columns.index("text")
    return [row[at] for row in rows if len(row) > at and row[at].strip()]


WEEKDAYS = "一二三四五六日"


@app.command("calendar")
def calendar_year(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2026")],
    kind: Annotated[
        str | None, typer.Option(help="Only this kind: 节气, 节日, 电商节 or 品牌日")
    ] = None,
) -> None:
    """营销日历: a year's 节气 (with their moments in the brand's zone), festivals, commerce
    days and the brand's own dates."""
    from liveloop.almanac import service as almanac
    from liveloop.almanac.contracts import DayKind

    if kind is not None and kind not in {k.value for k in DayKind}:
        err.print(f"[red]--kind 只能是 节气、节日、电商节 或 品牌日, 不是 {kind!r}[/red]")
        raise typer.Exit(2)
    runtime = _open()
    tz = runtime.settings.tz
    try:
        with transaction(runtime.read_sessions) as session:
            days = almanac.days_between(session, date(year, 1, 1), date(year, 12, 31), tz=tz)
    except (almanac.CalendarError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    table = Table("日期", "星期", "名称", "类别", f"时刻 ({tz.key})", title=f"{year} 营销日历")
    for day in days:
        if kind is not None and day.kind != kind:
            continue
        moment = day.moment.strftime("%H:%M:%S") if day.moment is not None else ""
        table.add_row(
            day.date.isoformat(), WEEKDAYS[day.date.weekday()], day.name, day.kind.value, moment
        )
    console.print(table)


@inventory_app.command("stock")
def inventory_stock(
    sku: Annotated[str | None, typer.Argument(help="One SKU; all SKUs when left out")] = None,
) -> None:
    """库存: each SKU's lots by warehouse, earliest expiry first, with on hand, reserved and
    sellable units."""
    from liveloop.inventory import service as inventory
    from liveloop.inventory.contracts import ZONE_NAMES

    runtime = _open()
    with transaction(runtime.read_sessions) as session:
        lots = inventory.list_lots(session, sku=sku, limit=5000)
    table = Table("SKU", "仓库", "批次", "温区", "到期", "在库", "预留", "可售", title="库存")
    for lot in lots:
        table.add_row(
            lot.sku,
            lot.warehouse,
            lot.lot_no,
            ZONE_NAMES[lot.zone],
            lot.expires_on.isoformat(),
            str(lot.on_hand),
            str(lot.reserved),
            str(lot.available),
        )
    console.print(table)
    if sku is not None and not lots:
        err.print(f"[yellow]{sku} 没有库存批次[/yellow]")


@community_app.command("batches")
def community_batches(
    day: Annotated[str, typer.Argument(help="The delivery date, e.g. 2026-11-21")],
    build: Annotated[bool, typer.Option(help="Build (or rebuild) the batches first")] = False,
) -> None:
    """配送批次: each pickup point's batch delivered on DAY, with its packing list (SKU totals
    and each order's lines, pickup code and masked buyer)."""
    from liveloop.access.contracts import Role
    from liveloop.access.service import Principal
    from liveloop.community import service as community

    try:
        delivery = date.fromisoformat(day)
    except ValueError:
        err.print(f"[red]日期须写成 YYYY-MM-DD,不是 {day!r}[/red]")
        raise typer.Exit(2) from None
    runtime = _open()
    # The terminal shows what an analyst would: buyers masked.
    viewer = Principal("user", 0, "cli", Role.ANALYST)
    if build:
        with transaction(runtime.sessions) as session:
            report = community.build_batches(
                session, delivery, at=runtime.clock.now(), tz=runtime.settings.tz
            )
        console.print(
            f"built: {report.added} orders added, {report.carried} carried to a later day"
        )
    with transaction(runtime.read_sessions) as session:
        batches = community.list_batches(session, delivery, viewer)
        lists = [community.packing_list(session, b.batch_id, viewer) for b in batches]
    if not lists:
        console.print(f"{delivery.isoformat()} 没有配送批次 (no batches)")
        return
    for found in lists:
        b = found.batch
        console.print(
            f"[bold]{b.point} {b.point_name}[/bold]  团长 {b.leader} {b.leader_name}  "
            f"{b.orders}/{b.capacity} 单  {b.status.value}",
            highlight=False,
        )
        totals = Table("SKU", "商品", "数量", title="装箱汇总")
        for item in found.totals:
            totals.add_row(item.sku, item.name, str(item.quantity))
        console.print(totals)
        lines = Table("取货码", "订单号", "顾客", "商品", "状态", title="订单明细")
        for order in found.orders:
            items = "；".join(f"{i.name} ×{i.quantity}" for i in order.items)
            lines.add_row(order.code, order.order_no, order.buyer, items, order.status)
        console.print(lines)


@commission_app.command("statement")
def commission_statement(
    leader: Annotated[str, typer.Argument(help="The leader's code, e.g. L0001")],
    month: Annotated[str, typer.Argument(help="The month, YYYY-MM (brand time)")],
) -> None:
    """佣金月结单: LEADER's MONTH — opening, earned, refunded, clawed back, withdrawn, closing,
    and each order's lines."""
    from liveloop.commission import service as commission
    from liveloop.commission.contracts import CommissionError

    runtime = _open()
    try:
        with transaction(runtime.read_sessions) as session:
            found = commission.statement(session, leader, month, runtime.settings.tz)
    except CommissionError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"[bold]{found.leader} {found.leader_name}  {found.month} 佣金月结单[/bold]")
    summary = Table("期初", "本月佣金", "退款冲减", "结算后追回", "已提现", "期末")
    summary.add_row(
        *(
            f"¥{v}"
            for v in (
                found.opening,
                found.earned,
                found.refunded,
                found.clawed_back,
                found.withdrawn,
                found.closing,
            )
        )
    )
    console.print(summary)
    lines = Table("订单号", "佣金", "退款冲减", "结算后追回", "净额", title="订单明细")
    for line in found.lines:
        lines.add_row(
            line.order_no,
            f"¥{line.earned}",
            f"¥{line.refunded}",
            f"¥{line.clawed_back}",
            f"¥{line.net}",
        )
    console.print(lines)


@commission_app.command("reconcile")
def commission_reconcile() -> None:
    """对账: the ledger against the orders it credited, per line and level, to the fen; exit 1
    when anything differs."""
    from liveloop.commission import service as commission

    runtime = _open()
    with transaction(runtime.read_sessions) as session:
        found = commission.reconcile_orders(session)
    console.print(
        f"{found.orders} orders, {found.lines} line-levels: expected ¥{found.expected}, "
        f"posted ¥{found.posted}, difference ¥{found.difference}"
    )
    for d in found.differences[:50]:
        console.print(
            f"  {d.order_no} line {d.line_no} level {d.level}: expected ¥{d.expected}, "
            f"posted ¥{d.posted}"
        )
    for order_no in found.unknown_orders[:50]:
        console.print(f"  {order_no}: not a paid order")
    if not found.balanced:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
