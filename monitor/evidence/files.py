"""What an evidence file is, from its bytes: its kind (by content, never by its name), a safe name, a hash.

No Flask here: the pages, the sync importer and ``audit-verify`` all use it.
"""

import hashlib
import io
import unicodedata
import zipfile
from urllib.parse import quote

# kind → media type. Audio and video are not accepted: a recording is larger than the limit and a voice
# identifies a witness; spreadsheets and other office formats are not accepted either.
KINDS = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "text": "text/plain",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
LABELS = {
    "pdf": "PDF",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "text": "Text",
    "docx": "DOCX",
    "odt": "ODT",
}
ODT = b"application/vnd.oasis.opendocument.text"
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MAX_FILENAME = 200
MAX_ZIP_ENTRY = 1024 * 1024  # the small entries read to tell DOCX and ODT apart from any zip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The kind of a file from its first bytes (and, for a zip, the entries that name its format)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return "text" if _text(data) else None


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                return "odt" if archive.read("mimetype").strip() == ODT else None
            types = "[Content_Types].xml"
            if (
                types in names
                and "word/document.xml" in names
                and archive.getinfo(types).file_size <= MAX_ZIP_ENTRY
                and DOCX_MAIN in archive.read(types)
            ):
                return "docx"
    except (zipfile.BadZipFile, KeyError, ValueError, NotImplementedError, RuntimeError, OSError):
        return None
    return None


def _text(data: bytes) -> bool:
    """UTF-8 text without control characters (other than tab, line and page breaks)."""
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text)


def clean_filename(name: str | None) -> str:
    """The name as the person's system gave it, without folders or control characters, at most 200
    characters (its extension kept), never empty. Letters of every script stay (Cyrillic names too)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".").strip()
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME]
    return name or "evidence"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one as RFC 6266 / 5987 ``filename*``."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in name) or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def size_label(size: int) -> str:
    """A size for people, its number and unit kept together (a no-break space between them)."""
    if size < 1024:
        return f"{size}\u00a0B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + "\u00a0KiB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + "\u00a0MiB"
