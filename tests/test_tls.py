"""The deferred TLS context: certificates load at the first handshake, once per pass, and still verify.

A local HTTPS server with a freshly made self-signed certificate for ``localhost`` stands in
for Discord; ``SSL_CERT_FILE`` decides whether that certificate is trusted (httpx's own rule).
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from leaguectl.runtime import Runtime
from leaguectl.tls import DeferredTLSContext


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _self_signed(directory: Path) -> tuple[Path, Path]:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL on localhost, the server's certificate file)."""
    cert_file, key_file = _self_signed(tmp_path)
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}", cert_file
    server.shutdown()
    server.server_close()


def test_building_clients_loads_no_certificates_and_all_clients_of_a_runtime_share_one_context() -> None:
    made: list[ssl.SSLContext] = []

    def factory() -> ssl.SSLContext:
        made.append(ssl.create_default_context())
        return made[-1]

    runtime = Runtime()
    runtime._tls_context = DeferredTLSContext(factory)
    with runtime.http_client(base_url="https://discord.example") as first, runtime.http_client(
        base_url="http://127.0.0.1:9"
    ) as second:
        assert first is not second
    assert made == []
    assert runtime._tls_context.loaded is False


def test_an_untrusted_certificate_is_refused(https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = https_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with Runtime().http_client(base_url=url) as client, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY"):
        client.get("/")


def test_a_trusted_certificate_is_accepted_and_loaded_once_for_every_client(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert_file = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    runtime = Runtime()
    with runtime.http_client(base_url=url) as first:
        assert first.get("/").text == "hello"
    real = runtime._tls_context.real_context()
    with runtime.http_client(base_url=url) as second:
        assert second.get("/").text == "hello"
    assert runtime._tls_context.real_context() is real


def test_the_host_name_is_still_checked(https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, cert_file = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    by_address = url.replace("localhost", "127.0.0.1")
    with Runtime().http_client(base_url=by_address) as client, pytest.raises(httpx.ConnectError, match="mismatch"):
        client.get("/")
