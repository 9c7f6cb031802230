"""The local signing key for C2PA manifests, created on first use in the config folder.

faceforge signs its own outputs with a key that never leaves this computer. C2PA (c2pa-rs)
refuses a self-signed end-entity certificate, so first use makes a tiny two-level PKI:

    faceforge local CA            P-256, CA:TRUE pathlen 0, keyCertSign; its private key is
    │                             thrown away after one use, so nobody can issue more certs
    └── faceforge local signer    P-256 (ES256), CA:FALSE, KU digitalSignature (critical),
                                  EKU emailProtection + documentSigning, SKI/AKI

Files (in `config_dir()/c2pa/`, folder 0700):

    signer.key         the signer's private key, PKCS#8 PEM, mode 0600
    signer-chain.pem   signer certificate then CA certificate (the chain embedded in manifests)

Nothing in the certificates names the user or the machine. The certificate is not issued by a
trusted CA, so every C2PA validator reports manifests signed with it as "untrusted signer":
they prove the file is unchanged since faceforge signed it here, not who ran faceforge.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from faceforge.errors import InputError, OutputError

KEY_FOLDER = "c2pa"
KEY_FILE = "signer.key"
CHAIN_FILE = "signer-chain.pem"
ORGANIZATION = "faceforge (local key, not a trusted CA)"
CA_NAME = "faceforge local CA"
SIGNER_NAME = "faceforge local signer"
# RFC 9336 id-kp-documentSigning; c2pa-rs accepts it or emailProtection for manifest signers.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# No timestamp authority (offline), so validators check the certificate against the current
# time: a long validity keeps old outputs verifiable. A key near its end is replaced.
VALIDITY = dt.timedelta(days=3650)
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class SigningKey:
    """A loaded signer: PEM bytes as c2pa-python wants them, and where they live."""

    folder: Path
    private_key_pem: bytes
    chain_pem: bytes
    not_after: dt.datetime

    @property
    def key_path(self) -> Path:
        return self.folder / KEY_FILE

    @property
    def chain_path(self) -> Path:
        return self.folder / CHAIN_FILE

    @property
    def ca_pem(self) -> bytes:
        """The local CA certificate (the last one in the chain)."""
        return _split_pem(self.chain_pem)[-1]


def config_dir() -> Path:
    """faceforge's per-user config folder: `$FACEFORGE_CONFIG_DIR`, else
    `$XDG_CONFIG_HOME/faceforge`, else `~/.config/faceforge`. Not created here."""
    explicit = os.environ.get("FACEFORGE_CONFIG_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "faceforge"
    return Path.home() / ".config" / "faceforge"


def signing_key(directory: Path | None = None) -> SigningKey:
    """Load the local signing key from `directory` (default `config_dir()`), creating it on first use.

    A key within 30 days of expiry is moved aside (`c2pa.expired-YYYYMMDD`) and replaced.
    Raises OutputError when the folder cannot be created, InputError when the key files
    exist but are unreadable or do not belong together.
    """
    folder = (directory or config_dir()) / KEY_FOLDER
    if not folder.exists():
        _create(folder)
    key = _load(folder)
    if key.not_after - _now() < RENEW_BEFORE:
        _retire(folder)
        _create(folder)
        key = _load(folder)
    return key


def local_ca_pem(directory: Path | None = None) -> bytes | None:
    """The local CA certificate if a key was made here already (never creates one)."""
    chain = (directory or config_dir()) / KEY_FOLDER / CHAIN_FILE
    try:
        certs = _split_pem(chain.read_bytes())
    except OSError:
        return None
    return certs[-1] if certs else None


# ----------------------------------------------------------------------------- creation


def _create(folder: Path) -> None:
    """Write key and chain into a private temporary folder, then rename it into place, so a
    concurrent first use never pairs one process's key with another's certificate."""
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{KEY_FOLDER}.partial-", dir=folder.parent))  # mode 0700
    except OSError as exc:
        raise OutputError(folder, f"cannot create the signing key folder: {exc.strerror or exc}") from exc
    try:
        key_pem, chain_pem = _issue()
        _write_private(staging / KEY_FILE, key_pem)
        (staging / CHAIN_FILE).write_bytes(chain_pem)
        try:
            os.rename(staging, folder)
        except OSError:
            if not folder.is_dir():  # not a lost race: a real failure
                raise
    except OSError as exc:
        raise OutputError(folder, f"cannot write the signing key: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)  # the umask may have removed bits, never added; make it exact


def _issue() -> tuple[bytes, bytes]:
    """A fresh CA and signer; returns (signer private key PEM, signer cert + CA cert PEM)."""
    now = _now()
    start, end = now - dt.timedelta(hours=1), now + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(CA_NAME)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_NAME))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain_pem = signer.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    return key_pem, chain_pem


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        ]
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# ----------------------------------------------------------------------------- loading


def _load(folder: Path) -> SigningKey:
    hint = f"move the folder {folder} away and faceforge makes a new key"
    try:
        key_pem = (folder / KEY_FILE).read_bytes()
        chain_pem = (folder / CHAIN_FILE).read_bytes()
        key = serialization.load_pem_private_key(key_pem, password=None)
        certs = [x509.load_pem_x509_certificate(pem) for pem in _split_pem(chain_pem)]
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"{folder}: the local signing key cannot be read ({exc}); {hint}") from exc
    if not certs or not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError(f"{folder}: the local signing key is not a P-256 key with a certificate; {hint}")
    if certs[0].public_key() != key.public_key():
        raise InputError(f"{folder}: {KEY_FILE} does not match the certificate in {CHAIN_FILE}; {hint}")
    return SigningKey(folder, key_pem, chain_pem, certs[0].not_valid_after_utc)


def _retire(folder: Path) -> None:
    target = folder.with_name(f"{folder.name}.expired-{_now():%Y%m%d%H%M%S}")
    try:
        os.rename(folder, target)
    except OSError as exc:
        raise OutputError(folder, f"cannot move the expiring signing key aside: {exc.strerror or exc}") from exc


def _split_pem(data: bytes) -> list[bytes]:
    marker = b"-----END CERTIFICATE-----"
    parts = [part.strip() for part in data.split(marker)]
    return [part + b"\n" + marker + b"\n" for part in parts if part.startswith(b"-----BEGIN CERTIFICATE-----")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


__all__ = ["SigningKey", "config_dir", "local_ca_pem", "signing_key"]
