import pytest
from pydantic import ValidationError

from liveloop.config import DEV_SECRET_KEY, Settings


def test_defaults_are_the_embedded_store_and_shanghai_time(monkeypatch):
    for var in ("LIVELOOP_DATABASE_URL", "LIVELOOP_MODE", "LIVELOOP_SECRET_KEY"):
        monkeypatch.delenv(var, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./liveloop.db"
    assert settings.tz.key == "Asia/Shanghai"
    assert DEV_SECRET_KEY not in repr(settings)


def test_environment_overrides_with_the_liveloop_prefix(monkeypatch):
    monkeypatch.setenv("LIVELOOP_DATABASE_URL", "postgresql://x@localhost/db")
    assert Settings().database_url == "postgresql://x@localhost/db"


def test_toml_file_is_read_when_present(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIVELOOP_DISPLAY_TIMEZONE", raising=False)
    (tmp_path / "liveloop.toml").write_text('display_timezone = "Asia/Urumqi"\n')
    assert Settings().display_timezone == "Asia/Urumqi"


def test_prod_mode_refuses_default_or_short_secrets():
    with pytest.raises(ValidationError, match="LIVELOOP_SECRET_KEY"):
        Settings(mode="prod")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(mode="prod", secret_key="short")
    assert Settings(mode="prod", secret_key="x" * 40).secure_cookies


def test_unknown_timezone_is_refused():
    with pytest.raises(ValidationError):
        Settings(display_timezone="Mars/Olympus")
