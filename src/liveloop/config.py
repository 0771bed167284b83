"""Settings: environment (prefix ``LIVELOOP_``) over an optional ``liveloop.toml`` over defaults.

The default secret key only works in dev mode; anything else refuses to start with it, so a
deployment can never sign cookies with a key that is printed in this file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# Live interaction records and actions: at least 3 years (2026 直播电商监督管理办法).
MIN_LIVE_RETENTION_DAYS = 1095
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
    # The brand's name where the brand speaks for itself: leaders' posters and share pages.
    brand_name: str = Field(default="禾谷鲜生", min_length=1, max_length=32)
    # How often the in-process workers poll the event log and the outbox, in seconds.
    worker_poll_seconds: float = 0.5
    run_workers: bool = True
    session_hours: int = 12
    # Analytics: the snapshot's directory (default: beside a SQLite store, else ./), the
    # engine scheduled runs use, and whether the server runs them (nightly full, hourly light).
    snapshot_dir: Path | None = None
    analytics_engine: Literal["duckdb", "spark"] = "duckdb"
    analytics_schedule: bool = True
    # Live: where the stream's frames travel to the host consoles' SSE. "memory" keeps them in
    # the serving process (the embedded default: the feed runs there); "redis" puts each room's
    # frames on a Redis stream, so a worker process runs the feed and every API process serves
    # them (docs/decisions/0023). ``redis_url`` is only read then.
    live_bus: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The content library's search index (default: beside a SQLite store, else ./); the
    # table is the truth, the index is rebuilt from it when missing (decision 0025).
    content_index_dir: Path | None = None
    reminder_lead_days: int = Field(default=3, ge=0, le=60)
    # Orders (docs/orders.md): an unpaid order is cancelled this many minutes after it was
    # placed; a delivered one is confirmed (确认收货) this many days after delivery.
    order_pay_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    order_confirm_days: int = Field(default=7, ge=1, le=90)
    # Live: how long a room's interaction records and its action log are kept, in days (the
    # 2026 直播电商监督管理办法 asks for at least 3 years; prod refuses less), and the WeCom
    # living (企业微信直播) app whose watch statistics the connector pulls after a show.
    live_retention_days: int = Field(default=1095, ge=1, le=36500)
    wecom_living_secret: SecretStr | None = None
    # Live: the question queue's suggested answers written by an LLM through an
    # OpenAI-compatible endpoint (the base URL its /chat/completions hangs under, the model,
    # the key); unset, the template or the operator's 话术 answers (docs/live.md).
    live_answer_llm_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    live_answer_llm_model: str | None = Field(default=None, min_length=1, max_length=128)
    live_answer_llm_key: SecretStr | None = None
    # Loyalty: an order's points stay frozen this many days after it was paid (the after-sales
    # window in which a refund claws them back from the frozen balance).
    after_sales_days: int = Field(default=7, ge=0, le=365)

    # Channels (docs/channels.md). A channel without credentials delivers to the console
    # outbox (消息 page) instead, so the demo "sends" everything there. Secrets are SecretStr:
    # never printed, logged or put in a repr.
    # WeCom customer contact (企业微信客户联系): corp id, the customer-contact secret, the member
    # (userid) whose mass-send tasks the guide confirms, and the API base (tests: a local server).
    wecom_corp_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_sender: str | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # WeCom callback (加解密): the token and EncodingAESKey configured in the admin console.
    wecom_callback_token: SecretStr | None = None
    wecom_callback_aes_key: SecretStr | None = None
    # SMS through Tencent Cloud's SDK: SecretId/SecretKey, the SmsSdkAppId, the approved sign
    # name (签名); endpoint host[:port] and scheme let tests point the SDK at a local server.
    sms_secret_id: str | None = None
    sms_secret_key: SecretStr | None = None
    sms_app_id: str | None = None
    sms_sign_name: str | None = None
    sms_region: str = "ap-guangzhou"
    sms_endpoint: str = "sms.tencentcloudapi.com"
    sms_scheme: Literal["https", "http"] = "https"
    # Shared token the SMS provider's receipt/reply callbacks carry (?token=…); unset = refused.
    sms_callback_token: SecretStr | None = None
    # Standard Webhooks signing secret (whsec_…); unset = webhooks go to the console outbox.
    webhook_secret: SecretStr | None = None
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # SMTP mail.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "liveloop <noreply@localhost>"
    smtp_starttls: bool = True
    # WeChat Pay v3 (docs/payments.md): 商户号, the 小程序's appid, the APIv3 key, the merchant
    # API certificate's private key (PEM path) and serial, the platform public key (PEM path)
    # and its id (Wechatpay-Serial). All optional: without them a signed local provider
    # (payments.localpay) with a key pair generated per data dir serves the demo.
    wechatpay_mchid: str | None = None
    wechatpay_appid: str | None = None
    wechatpay_apiv3_key: SecretStr | None = None
    wechatpay_private_key: Path | None = None
    wechatpay_cert_serial: str | None = None
    wechatpay_platform_public_key: Path | None = None
    wechatpay_platform_key_id: str | None = None
    # Where WeChat Pay is asked (tests: a local server) and where it sends its notifications.
    wechatpay_api_base: str = "https://api.mch.weixin.qq.com"
    wechatpay_notify_url: str = "http://127.0.0.1:8000/v1/payments/wechatpay/notify"
    # The local provider's keys (default: beside a SQLite store, else ./liveloop-wechatpay).
    wechatpay_local_dir: Path | None = None
    # Guard rails, applied at send time in this order: consent/unsubscribe, frequency caps,
    # quiet hours, rate limits. Marketing on these channels needs an explicit opt-in (a consent
    # row with granted=true); elsewhere no row means allowed until the person says no.
    marketing_opt_in_channels: list[str] = Field(default_factory=lambda: ["sms", "email"])
    marketing_daily_cap: int = Field(default=2, ge=0, le=100)
    # WeCom: one company may mass-send (add_msg_template) at most 4 messages a natural month
    # to one customer; the rest never arrive, so we suppress them before asking.
    wecom_monthly_quota: int = Field(default=4, ge=0, le=100)
    quiet_hours_start: str = Field(default="21:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_hours_end: str = Field(default="08:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Token buckets per channel (messages per second, shared by all workers through the store).
    channel_rate_per_s: dict[str, float] = Field(
        default_factory=lambda: {"wecom": 10.0, "sms": 50.0, "email": 20.0, "webhook": 50.0}
    )
    # Unsubscribe keywords (whole reply, case-insensitive, spaces and punctuation trimmed).
    unsubscribe_keywords: list[str] = Field(
        default_factory=lambda: [
            "退订",
            "TD",
            "T",
            "回复TD退订",
            "退订TD",
            "取消订阅",
            "unsubscribe",
            "stop",
        ]
    )

    def snapshot_path(self) -> Path:
        if self.snapshot_dir is not None:
            return self.snapshot_dir
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix) + ".snapshot")
        return Path("liveloop-snapshot")

    def wechatpay_local_path(self) -> Path:
        if self.wechatpay_local_dir is not None:
            return self.wechatpay_local_dir
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix) + ".wechatpay")
        return Path("liveloop-wechatpay")

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
        if self.mode != "dev" and self.live_retention_days < MIN_LIVE_RETENTION_DAYS:
            raise UnsafeSettings(
                f"LIVELOOP_LIVE_RETENTION_DAYS must be at least {MIN_LIVE_RETENTION_DAYS} "
                "(3 years) in prod mode: live interaction records are kept that long"
            )
        if (self.live_answer_llm_url is None) != (self.live_answer_llm_model is None):
            raise ValueError(
                "LIVELOOP_LIVE_ANSWER_LLM_URL and LIVELOOP_LIVE_ANSWER_LLM_MODEL go together: "
                "set both to have an LLM write the live answers, or neither"
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
