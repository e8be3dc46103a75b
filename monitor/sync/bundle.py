"""The bundle container: a zip of JSON parts with a manifest, optionally sealed with a passphrase.

Layout (documented in ``docs/bundle-format.md``)::

    manifest.json           format, format_version, kind, mission, author, counts, parts (SHA-256 each)
    users.json              the accounts the records name (uuid, username, display name — never a password)
    records/<type>-NNNN.json  records of one type, in chunks, each {"uuid", "version", …, "content"}
    audit-NNNN.json         the sender's audit entries behind those records

A sealed bundle is ``MAGIC`` + a JSON header (key derivation parameters, salt, nonce) + the zip encrypted
with AES-256-GCM under a key derived from the passphrase with Argon2id. The header is the associated data,
so changing any byte of the file — header or body — makes opening it fail with :class:`BundleError`.
Nothing here touches the database: :mod:`.importer` and :mod:`.exporter` do.
"""

import hashlib
import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

FORMAT = "trial-monitor-bundle"
FORMAT_VERSION = 1
MAGIC = b"TRIAL-MONITOR-SEALED-BUNDLE\n"
# Argon2id at 64 MiB, 3 passes (above the RFC 9106 second recommendation for memory-constrained use):
# about half a second here per guess, so a stolen USB stick's passphrase cannot be tried quickly.
KDF = {"name": "argon2id", "memory_kib": 64 * 1024, "iterations": 3, "lanes": 4}
KDF_LIMITS = {"memory_kib": (19 * 1024, 1024 * 1024), "iterations": (1, 20), "lanes": (1, 16)}
MAX_PART_BYTES = 512 * 1024 * 1024  # a single JSON part larger than this is refused before reading
CHUNK = 200  # records per part
HEARING_CHUNK = 25  # hearings per part: a hearing carries hundreds of answers; keeps a parsed part small
MIN_PASSPHRASE = 10


# What zipfile raises for a damaged file: besides its own errors, a changed header byte can name a
# compression method it does not have (NotImplementedError) or claim encryption (RuntimeError).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)


class BundleError(ValueError):
    """The file is not a bundle this app can read, or it was changed; the message says which."""


class Builder:
    """Writes parts into the zip as they come (so a big mission is never all in memory as JSON), then
    :meth:`build` adds the manifest and seals the file when a passphrase is given."""

    def __init__(self, manifest: dict):
        self.manifest = manifest
        self._buffer = io.BytesIO()
        self._archive = zipfile.ZipFile(self._buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.parts: dict[str, dict] = {}

    def add_records(self, record_type: str, records: Iterable[dict]) -> None:
        size = HEARING_CHUNK if record_type == "hearing" else CHUNK
        self._chunked(record_type, "records/{type}-{n:04d}.json", records, size)

    def add_users(self, users: list[dict]) -> None:
        self._add("users.json", users, type="user")

    def add_audit(self, entries: Iterable[dict]) -> None:
        self._chunked("audit", "audit-{n:04d}.json", entries, CHUNK * 10)

    def _chunked(self, part_type: str, pattern: str, items: Iterable, size: int) -> None:
        chunk: list = []
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                self._add_numbered(part_type, pattern, chunk)
                chunk = []
        if chunk:
            self._add_numbered(part_type, pattern, chunk)

    def _add_numbered(self, part_type: str, pattern: str, chunk: list) -> None:
        number = sum(1 for info in self.parts.values() if info["type"] == part_type) + 1
        self._add(pattern.format(type=part_type, n=number), chunk, type=part_type)

    def _add(self, name: str, items: list, **info) -> None:
        data = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
        self._archive.writestr(name, data)
        self.parts[name] = {**info, "count": len(items), "sha256": hashlib.sha256(data).hexdigest()}

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for info in self.parts.values():
            totals[info["type"]] = totals.get(info["type"], 0) + info["count"]
        return totals

    def build(self, passphrase: str | None = None) -> bytes:
        manifest = {
            **self.manifest,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "counts": self.counts(),
            "parts": self.parts,
        }
        self._archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        self._archive.close()
        plain = self._buffer.getvalue()
        return seal(plain, passphrase) if passphrase else plain


# Sealing --------------------------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes, kdf: dict) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=kdf["iterations"],
        lanes=kdf["lanes"],
        memory_cost=kdf["memory_kib"],
    ).derive(passphrase.encode())


def seal(plain: bytes, passphrase: str) -> bytes:
    """Encrypt a bundle with a passphrase (AES-256-GCM, key from Argon2id)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise BundleError(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = json.dumps(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "cipher": "AES-256-GCM",
            "kdf": {**KDF, "salt": salt.hex()},
            "nonce": nonce.hex(),
        },
        sort_keys=True,
    ).encode()
    prefix = MAGIC + struct.pack(">I", len(header)) + header
    return prefix + AESGCM(_derive(passphrase, salt, KDF)).encrypt(nonce, plain, prefix)


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def unseal(data: bytes, passphrase: str | None) -> bytes:
    """The zip inside a sealed bundle; :class:`BundleError` for a wrong passphrase or a changed file."""
    if not passphrase:
        raise BundleError("This bundle is encrypted: enter its passphrase.")
    try:
        (length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
        prefix_end = len(MAGIC) + 4 + length
        prefix = data[:prefix_end]
        header = json.loads(data[len(MAGIC) + 4 : prefix_end])
        _check_version(header)
        kdf = {key: int(header["kdf"][key]) for key in KDF_LIMITS}
        for key, (low, high) in KDF_LIMITS.items():
            if not low <= kdf[key] <= high:
                raise BundleError("The bundle's encryption header is not one this app accepts.")
        salt, nonce = bytes.fromhex(header["kdf"]["salt"]), bytes.fromhex(header["nonce"])
        if header.get("cipher") != "AES-256-GCM" or len(nonce) != 12 or len(salt) < 16:
            raise BundleError("The bundle's encryption header is not one this app accepts.")
    except BundleError:
        raise
    except (struct.error, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BundleError(
            "The bundle's encryption header is damaged: the file is incomplete or changed."
        ) from error
    try:
        return AESGCM(_derive(passphrase, salt, kdf)).decrypt(nonce, data[prefix_end:], prefix)
    except InvalidTag as error:
        raise BundleError(
            "Wrong passphrase, or the file was changed or cut short after it was made. Nothing was imported."
        ) from error


# Reading --------------------------------------------------------------------------------------------


def _check_version(document: dict) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError("This is not a Trial monitor bundle.")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError("The bundle does not say which format version it is.")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"This bundle was made by a newer version of Trial monitor (bundle format {version}; this "
            f"installation reads format {FORMAT_VERSION}). Update Trial monitor, then import it again."
        )
    if version < 1:
        raise BundleError(f"Unknown bundle format version {version}.")


class Reader:
    """An opened, verified bundle: the manifest, and its parts one at a time."""

    def __init__(self, data: bytes, passphrase: str | None = None):
        self.sealed = is_sealed(data)
        plain = unseal(data, passphrase) if self.sealed else data
        self.sha256 = hashlib.sha256(data).hexdigest()
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(plain))
        except ZIP_ERRORS as error:
            raise BundleError(
                "This file is not a bundle, or it is incomplete (cut short while copying?)."
            ) from error
        try:
            self._open()
        except BaseException:
            self.archive.close()
            raise

    def _open(self) -> None:
        try:
            raw = self.archive.read("manifest.json")
        except KeyError as error:
            raise BundleError("This file has no manifest: it is not a Trial monitor bundle.") from error
        except ZIP_ERRORS as error:
            raise BundleError(
                "This file is not a bundle, or it is incomplete (cut short while copying?)."
            ) from error
        try:
            self.manifest = json.loads(raw)
        except ValueError as error:
            raise BundleError("The bundle's manifest is damaged.") from error
        _check_version(self.manifest)
        parts = self.manifest.get("parts")
        if not isinstance(parts, dict) or not all(isinstance(v, dict) for v in parts.values()):
            raise BundleError("The bundle's manifest does not list its parts.")
        names = {info.filename for info in self.archive.infolist()} - {"manifest.json"}
        if names != set(parts):
            raise BundleError("The bundle's parts do not match its manifest: the file was changed.")
        for info in self.archive.infolist():
            if info.file_size > MAX_PART_BYTES:
                raise BundleError(f"The part {info.filename} is too large to import.")
        self.parts = parts

    def _part(self, name: str) -> list:
        info = self.parts[name]
        try:
            data = self.archive.read(name)
        except ZIP_ERRORS as error:  # CRC, truncation, a changed header
            raise BundleError(f"The part {name} is damaged: the file was changed or cut short.") from error
        if hashlib.sha256(data).hexdigest() != info.get("sha256"):
            raise BundleError(f"The part {name} does not match its checksum: the file was changed.")
        try:
            items = json.loads(data)
        except ValueError as error:
            raise BundleError(f"The part {name} is not readable JSON.") from error
        if not isinstance(items, list) or len(items) != info.get("count"):
            raise BundleError(f"The part {name} does not hold the number of entries its manifest says.")
        return items

    def names(self, part_type: str) -> list[str]:
        return sorted(name for name, info in self.parts.items() if info.get("type") == part_type)

    def items(self, part_type: str) -> Iterator[list]:
        """Each part of one type in order, parsed and checked against the manifest."""
        for name in self.names(part_type):
            yield self._part(name)

    def close(self) -> None:
        self.archive.close()
