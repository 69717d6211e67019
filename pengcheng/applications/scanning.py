"""Checks on uploaded files: type, size, content, and a pluggable virus scan.

``settings.PENGCHENG_VIRUS_SCANNER`` names the scanner class. The default, ``SignatureScanner``, runs
in-process: it refuses the EICAR test file and executable or script content whatever the file is
called. ``ClamdScanner`` sends the file to a ClamAV daemon (``clamd``) with the INSTREAM command;
configure it with::

    PENGCHENG_VIRUS_SCANNER=pengcheng.applications.scanning.ClamdScanner
    PENGCHENG_CLAMD=tcp://127.0.0.1:3310        # or unix:///run/clamav/clamd.ctl

If clamd cannot be reached the upload is refused (the scan fails closed).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.utils.module_loading import import_string

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

# What a file's first bytes must look like for each accepted extension.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "ofd": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "ofd": "application/ofd",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Content that is never accepted as a supporting document, whatever its name.
EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java executable"),
    (b"#!", "a script"),
)


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    scanner: str
    reason: str = ""


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict; the upload is refused."""


class VirusScanner(Protocol):
    name: str

    def scan(self, data: bytes) -> ScanResult: ...


class SignatureScanner:
    """In-process default: the EICAR test signature and executable or script content."""

    name = "signature"

    def scan(self, data: bytes) -> ScanResult:
        if EICAR in data:
            return ScanResult(False, self.name, "EICAR test signature")
        for magic, what in EXECUTABLE_MAGIC:
            if data.startswith(magic):
                return ScanResult(False, self.name, what)
        return ScanResult(True, self.name)


class ClamdScanner:
    """A ClamAV daemon over TCP or a Unix socket (the clamd INSTREAM protocol)."""

    name = "clamd"
    chunk = 64 * 1024

    def __init__(self, address: str | None = None, timeout: float = 10.0) -> None:
        self.address = address or getattr(settings, "PENGCHENG_CLAMD", "tcp://127.0.0.1:3310")
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        parsed = urlparse(self.address)
        try:
            if parsed.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(parsed.path)
            else:
                sock = socket.create_connection(
                    (str(parsed.hostname or "127.0.0.1"), parsed.port or 3310), self.timeout
                )
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.address} is not reachable: {exc}") from exc
        return sock

    def scan(self, data: bytes) -> ScanResult:
        with self._connect() as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), self.chunk):
                    piece = data[start : start + self.chunk]
                    sock.sendall(struct.pack("!L", len(piece)) + piece)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    part = sock.recv(4096)
                    if not part:
                        break
                    reply += part
            except OSError as exc:
                raise ScannerUnavailable(f"clamd scan failed: {exc}") from exc
        text = reply.rstrip(b"\0").decode(errors="replace")
        if text.endswith("OK"):
            return ScanResult(True, self.name)
        if text.endswith("FOUND"):
            return ScanResult(False, self.name, text.split(":", 1)[-1].removesuffix("FOUND").strip())
        raise ScannerUnavailable(f"clamd answered {text!r}")


def scanner() -> VirusScanner:
    path = getattr(settings, "PENGCHENG_VIRUS_SCANNER", "pengcheng.applications.scanning.SignatureScanner")
    scanner_class: type[VirusScanner] = import_string(path)
    return scanner_class()


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def content_problem(
    filename: str, data: bytes, accepted: list[str], max_bytes: int, *, size: int | None = None
) -> str | None:
    """Why a file cannot be accepted (type, size or content), or None. Messages are for the applicant."""
    from django.utils.translation import gettext as _

    extension = extension_of(filename)
    if extension not in accepted:
        return _("Files of type “%(ext)s” are not accepted here; use %(types)s.") % {
            "ext": extension or "?",
            "types": ", ".join(t.upper() for t in accepted),
        }
    size = len(data) if size is None else size
    if size > max_bytes:
        return _("The file is %(size)s MB; the limit is %(limit)s MB.") % {
            "size": round(size / 1048576, 1),
            "limit": round(max_bytes / 1048576, 1),
        }
    if not data:
        return _("The file is empty.")
    magic = MAGIC.get(extension)
    if magic and not data.startswith(magic):
        return _("The file's content is not a real %(ext)s file.") % {"ext": extension.upper()}
    return None
