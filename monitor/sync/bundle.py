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
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator

# zipfile's own reading of a zip's end record: private, so its type stubs leave it out
from zipfile import _ECD_SIZE, _EndRecData  # type: ignore[attr-defined]

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

FORMAT = "trial-monitor-bundle"
FORMAT_VERSION = 2  # 2: sittings (a hearing names its sitting); format 1 still imports
MAGIC = b"TRIAL-MONITOR-SEALED-BUNDLE\n"
# Argon2id at 64 MiB, 3 passes (above the RFC 9106 second recommendation for memory-constrained use):
# about half a second here per guess, so a stolen USB stick's passphrase cannot be tried quickly.
KDF_MEMORY_KIB, KDF_ITERATIONS = 64 * 1024, 3
KDF = {"name": "argon2id", "memory_kib": KDF_MEMORY_KIB, "iterations": KDF_ITERATIONS, "lanes": 4}
# What a sealed bundle's header may ask for. The header is read before the passphrase can be checked, so
# anyone may send one: at most twice the default's memory, passes and work (memory × passes), never the
# 1 GiB × 20 passes (14 s and 1.2 GiB per request) the format once allowed.
KDF_LIMITS = {"memory_kib": (19 * 1024, 128 * 1024), "iterations": (1, 6), "lanes": (1, 8)}
KDF_MAX_WORK = 2 * KDF_MEMORY_KIB * KDF_ITERATIONS
KDF_AT_ONCE = 2  # derivations at once per process: a burst of sealed uploads waits, its memory never adds up
MAX_HEADER_BYTES = 4096  # a sealed bundle's JSON header (this app writes about 300 bytes)

# Reading an untrusted zip: every limit is checked while decompressing, not only against the sizes the
# zip's headers declare (an attacker writes those).
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_PART_BYTES = 16 * 1024 * 1024  # one part unpacked; the builder keeps its parts near PART_TARGET_BYTES
# … but a part of evidence files holds one file in base64 (20 MiB is 27 MiB so): such a part may be larger
MAX_EVIDENCE_PART_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # every part unpacked together
MAX_RATIO = 100  # unpacked / packed, per part and for the whole file (JSON here packs 5–15×) …
RATIO_FLOOR = 1024 * 1024  # … once past this many bytes: a small part may pack as well as it likes
MAX_PARTS = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024  # the zip's central directory: bounds the entries listed at all
MAX_DEPTH = 20  # nesting of JSON values in a part (this app's records nest 5 deep)
PART_TARGET_BYTES = 4 * 1024 * 1024  # the builder starts a new part past this size …
CHUNK = 200  # … or past this many records
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


class Refused(BundleError):
    """The bundle asks for something its importer may not do; nothing was imported."""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"


def _encode(item) -> bytes:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()


class Builder:
    """Writes parts into the zip as they come (so a big mission is never all in memory as JSON), then
    :meth:`build` adds the manifest and seals the file when a passphrase is given."""

    def __init__(self, manifest: dict):
        self.manifest = manifest
        self._buffer = io.BytesIO()
        self._archive = zipfile.ZipFile(self._buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.parts: dict[str, dict] = {}

    def add_records(self, record_type: str, records: Iterable[dict]) -> None:
        size = {"hearing": HEARING_CHUNK, "evidence": 1}.get(record_type, CHUNK)  # one file per part
        self._chunked(record_type, "records/{type}-{n:04d}.json", records, size)

    def add_users(self, users: list[dict]) -> None:
        self._add("users.json", [_encode(user) for user in users], type="user")

    def add_audit(self, entries: Iterable[dict]) -> None:
        self._chunked("audit", "audit-{n:04d}.json", entries, CHUNK * 10)

    def _chunked(self, part_type: str, pattern: str, items: Iterable, size: int) -> None:
        """Parts of at most ``size`` items, each closed once it passes PART_TARGET_BYTES, so that every
        part stays far below what a reader accepts (MAX_PART_BYTES)."""
        chunk: list[bytes] = []
        length = 0
        for item in items:
            chunk.append(_encode(item))
            length += len(chunk[-1]) + 1
            if len(chunk) == size or length >= PART_TARGET_BYTES:
                self._add_numbered(part_type, pattern, chunk)
                chunk, length = [], 0
        if chunk:
            self._add_numbered(part_type, pattern, chunk)

    def _add_numbered(self, part_type: str, pattern: str, chunk: list[bytes]) -> None:
        number = sum(1 for info in self.parts.values() if info["type"] == part_type) + 1
        self._add(pattern.format(type=part_type, n=number), chunk, type=part_type)

    def _add(self, name: str, encoded: list[bytes], **info) -> None:
        data = b"[" + b",".join(encoded) + b"]"  # the same bytes as json.dumps of the list
        self._archive.writestr(name, data)
        self.parts[name] = {**info, "count": len(encoded), "sha256": hashlib.sha256(data).hexdigest()}

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


_kdf_slots = threading.BoundedSemaphore(KDF_AT_ONCE)


def _derive(passphrase: str, salt: bytes, kdf: dict) -> bytes:
    with _kdf_slots:
        return Argon2id(
            salt=salt,
            length=32,
            iterations=kdf["iterations"],
            lanes=kdf["lanes"],
            memory_cost=kdf["memory_kib"],
        ).derive(passphrase.encode())


def _check_kdf(kdf: dict) -> None:
    """Refuse key-derivation parameters beyond KDF_LIMITS before any work is done with them."""
    for key, (low, high) in KDF_LIMITS.items():
        if not low <= kdf[key] <= high:
            raise BundleError(
                "The bundle's encryption header asks for key-derivation settings this app does not accept "
                f"({key} {kdf[key]}; allowed {low}–{high}). Nothing was imported."
            )
    if kdf["memory_kib"] * kdf["iterations"] > KDF_MAX_WORK:
        raise BundleError(
            "The bundle's encryption header asks for more key-derivation work than this app accepts. "
            "Nothing was imported."
        )


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


def _whole(value) -> int:
    """A whole number from a JSON header (not a float, not a boolean, not text)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not a whole number: {value!r}")
    return value


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def unseal(data: bytes, passphrase: str | None) -> bytes:
    """The zip inside a sealed bundle; :class:`BundleError` for a wrong passphrase or a changed file."""
    if not passphrase:
        raise BundleError("This bundle is encrypted: enter its passphrase.")
    try:
        (length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
        if length > MAX_HEADER_BYTES:
            raise BundleError("The bundle's encryption header is not one this app accepts.")
        prefix_end = len(MAGIC) + 4 + length
        prefix = data[:prefix_end]
        header = json.loads(data[len(MAGIC) + 4 : prefix_end])
        _check_version(header)
        kdf = {key: _whole(header["kdf"][key]) for key in KDF_LIMITS}
        _check_kdf(kdf)
        salt, nonce = bytes.fromhex(header["kdf"]["salt"]), bytes.fromhex(header["nonce"])
        if header.get("cipher") != "AES-256-GCM" or len(nonce) != 12 or not 16 <= len(salt) <= 64:
            raise BundleError("The bundle's encryption header is not one this app accepts.")
    except BundleError:
        raise
    except (struct.error, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
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


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
DAMAGED = "This file is not a bundle, or it is incomplete (cut short while copying?)."


def _directory_size(plain: bytes) -> int:
    """The size the zip's end record gives its central directory (which zipfile reads whole, listing
    every entry), or -1 when there is no end record."""
    end = _EndRecData(io.BytesIO(plain))  # the standard library's own reading of that record
    return end[_ECD_SIZE] if end else -1


def _skip_space(text: str, position: int = 0) -> int:
    """Where the JSON whitespace from ``position`` ends."""
    match = _WHITESPACE.match(text, position)
    if match is None:  # never: the pattern matches the empty string too
        raise ValueError("no whitespace match")
    return match.end()


def _too_deep(value, limit: int) -> bool:
    """True when ``value`` nests lists and objects more than ``limit`` deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return False


def _decode(text: str, position: int, where: str, depth: int) -> tuple:
    """One JSON value from ``position``, and where it ends; BundleError for malformed JSON or JSON nested
    more than ``depth`` deep (never a RecursionError)."""
    try:
        value, end = _DECODER.raw_decode(text, position)
    except RecursionError as error:
        raise BundleError(f"{where} nests its values too deeply: this app cannot read it.") from error
    except ValueError as error:
        raise BundleError(f"{where} is not readable JSON.") from error
    if _too_deep(value, depth):
        raise BundleError(f"{where} nests its values more than {MAX_DEPTH} deep: this app cannot read it.")
    return value, end


def _parse(text: str, where: str):
    """One JSON value, with nothing after it."""
    value, end = _decode(text, _skip_space(text), where, MAX_DEPTH)
    if _skip_space(text, end) != len(text):
        raise BundleError(f"{where} is not readable JSON.")
    return value


def _parse_list(text: str, count: int, where: str) -> list:
    """A JSON array of ``count`` entries, parsed one entry at a time: parsing stops at the first entry
    past ``count``, so a part cannot hold more than its manifest declares."""
    items: list = []
    position = _skip_space(text)
    if text[position : position + 1] != "[":
        raise BundleError(f"{where} is not a list of entries.")
    position = _skip_space(text, position + 1)
    closed = text[position : position + 1] == "]"
    while not closed:
        if len(items) == count:
            raise BundleError(f"{where} holds more entries than its manifest says ({count}).")
        item, position = _decode(text, position, where, MAX_DEPTH - 1)  # the list is one level
        items.append(item)
        position = _skip_space(text, position)
        separator = text[position : position + 1]
        if separator not in (",", "]"):
            raise BundleError(f"{where} is not readable JSON.")
        closed = separator == "]"
        position = _skip_space(text, position + 1)
    if position != len(text):
        raise BundleError(f"{where} is not readable JSON.")
    if len(items) != count:
        raise BundleError(f"{where} does not hold the number of entries its manifest says.")
    return items


def _part_limit(info: dict) -> int:
    """How large one part may be unpacked: larger for a part of evidence files (one file each)."""
    return MAX_EVIDENCE_PART_BYTES if info.get("type") == "evidence" else MAX_PART_BYTES


class Reader:
    """An opened, verified bundle: the manifest, and its parts one at a time.

    Everything in the file is untrusted, the zip's own headers too: each part is unpacked in steps and
    refused as soon as it passes MAX_PART_BYTES, MAX_RATIO times its packed size, or what is left of the
    whole file's allowance (MAX_TOTAL_BYTES, and MAX_RATIO times the file's size)."""

    def __init__(self, data: bytes, passphrase: str | None = None):
        self.sealed = is_sealed(data)
        plain = unseal(data, passphrase) if self.sealed else data
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.unpacked = 0  # bytes unpacked so far, every part counted
        self.allowance = min(MAX_TOTAL_BYTES, max(RATIO_FLOOR, MAX_RATIO * len(plain)))
        try:
            directory = _directory_size(plain)
            if directory > MAX_DIRECTORY_BYTES:
                raise BundleError(f"This file lists more entries than a bundle has (at most {MAX_PARTS}).")
            self.archive = zipfile.ZipFile(io.BytesIO(plain))
        except ZIP_ERRORS as error:
            raise BundleError(DAMAGED) from error
        try:
            self._open()
        except BaseException:
            self.archive.close()
            raise

    def _open(self) -> None:
        entries = self.archive.infolist()
        if len(entries) > MAX_PARTS + 1:
            raise BundleError(f"This file has more parts than a bundle may have (at most {MAX_PARTS}).")
        if len({info.filename for info in entries}) != len(entries):
            raise BundleError("The bundle holds two parts under one name: the file was changed.")
        try:
            manifest = self.archive.getinfo("manifest.json")
        except KeyError as error:
            raise BundleError("This file has no manifest: it is not a Trial monitor bundle.") from error
        raw = self._unpack(manifest, MAX_MANIFEST_BYTES, "The bundle's manifest")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BundleError("The bundle's manifest is damaged.") from error
        self.manifest = _parse(text, "The bundle's manifest")
        _check_version(self.manifest)
        parts = self.manifest.get("parts")
        if not isinstance(parts, dict) or not all(isinstance(v, dict) for v in parts.values()):
            raise BundleError("The bundle's manifest does not list its parts.")
        names = {info.filename for info in entries} - {"manifest.json"}
        if names != set(parts):
            raise BundleError("The bundle's parts do not match its manifest: the file was changed.")
        declared = 0
        for info in entries:  # what the zip declares, checked first (a quick refusal, not the only one)
            limit = _part_limit(parts.get(info.filename, {}))
            if info.file_size > limit:
                raise BundleError(
                    f"The part {info.filename} is larger than a bundle's part may be ({_mib(limit)} "
                    "unpacked)."
                )
            declared += info.file_size
        if declared > self.allowance:
            raise BundleError(self._too_large())
        for name, info in parts.items():
            count = info.get("count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise BundleError(f"The bundle's manifest does not say how many entries {name} holds.")
        self.parts = parts

    def _too_large(self) -> str:
        return (
            f"The bundle unpacks to more than this app reads ({_mib(self.allowance)} for a file of this "
            f"size; at most {_mib(MAX_TOTAL_BYTES)}, at most {MAX_RATIO} times its size): refused as a "
            "possible zip bomb. Nothing was imported."
        )

    def _unpack(self, info: zipfile.ZipInfo, limit: int, what: str) -> bytes:
        """The entry's bytes, unpacked a step at a time and counted as they come."""
        ratio_limit = max(RATIO_FLOOR, MAX_RATIO * info.compress_size)
        data = bytearray()
        try:
            with self.archive.open(info) as stream:
                while step := stream.read(256 * 1024):
                    data += step
                    self.unpacked += len(step)
                    if len(data) > limit:
                        raise BundleError(f"{what} is larger than this app reads ({_mib(limit)} unpacked).")
                    if len(data) > ratio_limit:
                        raise BundleError(
                            f"{what} unpacks to more than {MAX_RATIO} times its packed size: refused as a "
                            "possible zip bomb. Nothing was imported."
                        )
                    if self.unpacked > self.allowance:
                        raise BundleError(self._too_large())
        except BundleError:
            raise
        except ZIP_ERRORS as error:  # CRC, truncation, a changed header
            raise BundleError(f"{what} is damaged: the file was changed or cut short.") from error
        return bytes(data)

    def _part(self, name: str) -> list:
        info = self.parts[name]
        where = f"The part {name}"
        data = self._unpack(self.archive.getinfo(name), _part_limit(info), where)
        if hashlib.sha256(data).hexdigest() != info.get("sha256"):
            raise BundleError(f"The part {name} does not match its checksum: the file was changed.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BundleError(f"{where} is not readable JSON.") from error
        del data
        return _parse_list(text, info["count"], where)

    def names(self, part_type: str) -> list[str]:
        return sorted(name for name, info in self.parts.items() if info.get("type") == part_type)

    def items(self, part_type: str) -> Iterator[list]:
        """Each part of one type in order, parsed and checked against the manifest."""
        for name in self.names(part_type):
            yield self._part(name)

    def close(self) -> None:
        self.archive.close()
