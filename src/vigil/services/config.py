"""One settings model: flag > VIGIL_* environment > vigil.toml in VIGIL_HOME > default."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from pydantic import Field, JsonValue
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["Settings", "load_settings"]


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore")

    home: Path = Path("vigil-data")
    db: str = ""
    """SQLAlchemy URL; empty means a SQLite file in `home`."""
    actor: str = ""
    workers: int = 0
    """Worker processes for analysis; 0 means one per core."""
    detectors: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    """Per-detector options, e.g. `[detectors.image_synthetic_onnx]` in
    vigil.toml; `vigil analyze -o DETECTOR.KEY=VALUE` overrides them."""

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{(self.home / 'vigil.db').resolve()}"

    @property
    def actor_name(self) -> str:
        return self.actor or _default_actor()


def load_settings(**flags: object) -> Settings:
    """Settings with explicit flags on top; unset flags (None) are ignored."""
    given = {k: v for k, v in flags.items() if v is not None}
    home = Path(str(given.get("home") or os.environ.get("VIGIL_HOME") or "vigil-data"))
    toml_file = home / "vigil.toml"

    class _Layered(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))

    return Settings(**_Layered(**given).model_dump())  # type: ignore[arg-type]
