"""Upload checks and the virus-scan interface."""

import socket

import pytest
from django.test import override_settings

from pengcheng.applications import scanning, services
from pengcheng.applications.tests.conftest import PDF, pdf
from pengcheng.core.errors import DomainError


def test_signature_scanner_refuses_eicar_and_executables() -> None:
    scanner = scanning.SignatureScanner()
    assert scanner.scan(PDF).clean
    assert scanner.scan(b"%PDF-1.4 " + scanning.EICAR).reason == "EICAR test signature"
    assert scanner.scan(b"MZ\x90\x00rest").reason == "a Windows executable"
    assert scanner.scan(b"\x7fELF...").reason == "a Linux executable"
    assert scanner.scan(b"#!/bin/sh\nrm -rf /").reason == "a script"


@pytest.mark.parametrize(
    ("name", "data", "accepted", "limit", "problem"),
    [
        ("a.pdf", PDF, ["pdf"], 1000, None),
        ("a.PNG", b"\x89PNG\r\n\x1a\nxxxx", ["png"], 1000, None),
        ("a.doc", PDF, ["pdf"], 1000, "not accepted"),
        ("noextension", PDF, ["pdf"], 1000, "not accepted"),
        ("a.pdf", b"", ["pdf"], 1000, "empty"),
        ("a.pdf", PDF, ["pdf"], 10, "limit"),
        ("a.jpg", PDF, ["jpg"], 1000, "not a real JPG"),
    ],
)
def test_content_problems(name, data, accepted, limit, problem) -> None:
    from django.utils import translation

    with translation.override("en"):
        found = scanning.content_problem(name, data, accepted, limit)
    assert (found is None) if problem is None else (problem in (found or ""))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_clamd_scanner_fails_closed_when_clamd_is_unreachable(draft, applicant) -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.ClamdScanner(address, timeout=1).scan(PDF)
    with (
        override_settings(
            PENGCHENG_VIRUS_SCANNER="pengcheng.applications.scanning.ClamdScanner", PENGCHENG_CLAMD=address
        ),
        pytest.raises(DomainError) as caught,
    ):
        services.attach(applicant, draft, "letter", pdf("new.pdf"))
    assert caught.value.code == "scanner_unavailable"
    assert not draft.attachments.filter(original_name="new.pdf").exists()
