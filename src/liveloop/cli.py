"""The ``liveloop`` command: thin — parses, calls services, shows Rich output.

The store is chosen by LIVELOOP_DATABASE_URL (default: ./liveloop.db, SQLite).
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress

from liveloop import __version__
from liveloop.access import service as access
from liveloop.config import Settings, UnsafeSettings
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

app = typer.Typer(help="liveloop (回头客引擎): private-domain operations for food brands.")
apikey_app = typer.Typer(help="API keys for machine clients.")
app.add_typer(apikey_app, name="apikey")
console = Console()
err = Console(stderr=True)

ADMIN = "admin"
DEMO_USER = "demo"


def _settings() -> Settings:
    try:
        return Settings()
    except (UnsafeSettings, ValidationError) as exc:
        err.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


def _open(settings: Settings | None = None) -> Runtime:
    settings = settings or _settings()
    try:
        return Runtime.open(settings)
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Serve the API and the console (workers run in-process)."""
    runtime = _open()
    _serve(runtime, host, port)


def _serve(runtime: Runtime, host: str, port: int) -> None:
    import uvicorn

    from liveloop.app import create_app

    console.print(f"Console: [bold]http://{host}:{port}/console[/bold]  API docs: /docs")
    uvicorn.run(create_app(runtime=runtime), host=host, port=port, log_level="info")


@app.command()
def demo(
    scale: Annotated[int, typer.Option(help="Number of demo customers")] = 300,
    serve_console: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Build the demo brand on the configured store, then serve the console."""
    from liveloop.demo import load_demo

    if scale < 1:
        err.print("[red]--scale must be at least 1[/red]")
        raise typer.Exit(2)
    runtime = _open()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("生成演示品牌数据 (demo brand)", total=scale)
        report = load_demo(
            runtime.sessions,
            runtime.clock.now(),
            customers=scale,
            progress=lambda done: progress.update(task, completed=done),
        )
    if report.already_loaded:
        console.print("Demo data already in the store; keeping it.")
    else:
        console.print(
            f"Demo brand loaded: {report.customers} customers, {report.orders} orders, "
            f"{report.lives} lives."
        )
    with transaction(runtime.sessions) as session:
        password = access.new_password()
        if access.user_exists(session, DEMO_USER):
            access.set_password(session, DEMO_USER, password)
        else:
            access.create_user(
                session,
                DEMO_USER,
                "admin",
                runtime.clock.now(),
                password=password,
                display_name="演示运营",
            )
    url = f"http://{host}:{port}/console"
    console.print(
        Panel(
            f"Console: [bold]{url}[/bold]\n"
            f"Login: [bold]{DEMO_USER}[/bold] / [bold]{password}[/bold]",
            title="liveloop demo",
        )
    )
    if serve_console:
        _serve(runtime, host, port)


if __name__ == "__main__":  # pragma: no cover
    app()
