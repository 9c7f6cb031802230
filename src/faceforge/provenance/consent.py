"""Consent: animating or swapping a real person's face needs an explicit acknowledgement.

The user gives it per run (`--consent`) or once in `config.toml` in the config folder:

    consent = "always-acknowledged"

faceforge cannot check consent; it makes the user say they have it and records that they
did (and how) in the C2PA manifest of every output (`Consent.to_assertion`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from faceforge.errors import InputError
from faceforge.provenance.keys import config_dir

CONFIG_FILE = "config.toml"
ALWAYS_ACKNOWLEDGED = "always-acknowledged"
ASK = "ask"
DEFAULT_SUBJECT = "person in the source photo"
#: Operations that put a real person's face into new media: they need a `Consent`.
CONSENT_OPERATIONS = frozenset({"animate", "swap"})

ConsentMethod = Literal["cli-flag", "config", "public-domain-sample"]


@dataclass(frozen=True)
class Consent:
    """The user's acknowledgement that the person whose face is used agreed to it.

    Only exists once acknowledged; `method` says how ("cli-flag" or "config").
    """

    method: ConsentMethod
    subject: str = DEFAULT_SUBJECT

    @property
    def acknowledged(self) -> bool:
        return True

    def to_assertion(self) -> dict[str, Any]:
        """The data of the `org.faceforge.consent` C2PA assertion."""
        return {"acknowledged": self.acknowledged, "method": self.method, "subject": self.subject}


class ConsentRequired(InputError):
    """An operation on a real person's face was asked for without their consent acknowledged."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        super().__init__(
            "animating or swapping a real person's face needs their consent: pass --consent to confirm "
            f'you have it, or set consent = "{ALWAYS_ACKNOWLEDGED}" in {config_path}'
        )


def config_file(directory: Path | None = None) -> Path:
    """`config.toml` in `directory` (default: `keys.config_dir()`)."""
    return (directory or config_dir()) / CONFIG_FILE


def consent_from_config(directory: Path | None = None) -> Consent | None:
    """`Consent(method="config")` when config.toml says `consent = "always-acknowledged"`.

    None when the file or the key is missing or says "ask". Raises InputError for a file
    that is not valid TOML or a `consent` value other than those two.
    """
    path = config_file(directory)
    try:
        with open(path, "rb") as handle:
            settings = tomllib.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the faceforge settings: {exc}") from exc
    value = settings.get("consent", ASK)
    if value == ALWAYS_ACKNOWLEDGED:
        return Consent(method="config")
    if value == ASK:
        return None
    raise InputError(f'{path}: consent must be "{ALWAYS_ACKNOWLEDGED}" or "{ASK}", got {value!r}')


def require_consent(flag: bool, *, directory: Path | None = None) -> Consent:
    """The consent for this run: from the `--consent` flag, else from config.toml.

    Raises ConsentRequired when neither gives it.
    """
    if flag:
        return Consent(method="cli-flag")
    consent = consent_from_config(directory)
    if consent is None:
        raise ConsentRequired(config_file(directory))
    return consent


__all__ = [
    "CONSENT_OPERATIONS",
    "Consent",
    "ConsentMethod",
    "ConsentRequired",
    "config_file",
    "consent_from_config",
    "require_consent",
]
