"""Settings: environment (prefix ``LIVELOOP_``) over an optional ``liveloop.toml`` over defaults.

The default secret key only works in dev mode; anything else refuses to start with it, so a
deployment can never sign cookies with a key that is printed in this file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - the known-bad default


class UnsafeSettings(ValueError):
    """The settings would run a non-dev deployment with a known default secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIVELOOP_",
        toml_file="liveloop.toml",
        extra="ignore",
    )

    mode: Literal["dev", "prod"] = "dev"
    database_url: str = "sqlite:///./liveloop.db"
    secret_key: str = Field(default=DEV_SECRET_KEY, repr=False)
    display_timezone: str = "Asia/Shanghai"
    # How often the in-process workers poll the event log and the outbox, in seconds.
    worker_poll_seconds: float = 0.5
    run_workers: bool = True
    session_hours: int = 12
    # Analytics: the snapshot's directory (default: beside a SQLite store, else ./), the
    # engine scheduled runs use, and whether the server runs them (nightly full, hourly light).
    snapshot_dir: Path | None = None
    analytics_engine: Literal["duckdb", "spark"] = "duckdb"
    analytics_schedule: bool = True
    reminder_lead_days: int = Field(default=3, ge=0, le=60)
    leader_commission_rate: float = Field(default=0.10, ge=0, le=1)

    def snapshot_path(self) -> Path:
        if self.snapshot_dir is not None:
            return self.snapshot_dir
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix) + ".snapshot")
        return Path("liveloop-snapshot")

    @field_validator("display_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name such as Asia/Shanghai"
            ) from None
        return value

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> Settings:
        if self.mode != "dev" and self.secret_key == DEV_SECRET_KEY:
            raise UnsafeSettings(
                "LIVELOOP_SECRET_KEY is the built-in default; set a random secret before "
                "running with LIVELOOP_MODE=prod"
            )
        if self.mode != "dev" and len(self.secret_key) < 32:
            raise UnsafeSettings("LIVELOOP_SECRET_KEY must be at least 32 characters in prod mode")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)

    @property
    def secure_cookies(self) -> bool:
        return self.mode != "dev"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


@lru_cache
def get_settings() -> Settings:
    return Settings()
