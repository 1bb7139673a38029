"""Files `Sandbox.env()` writes: the service-account key and the bot's JSON files.

The service-account JSON carries a freshly generated RSA key (google-auth
signs its token request with it) and a `token_uri` pointing at the sandbox.
The scorecards / voice-channel files use the reference bot's exact layout
(reference/league.md §3.8), so leaguectl reads them exactly as in production.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from leaguectl.sandbox.clock import iso
from leaguectl.sandbox.state import SandboxState

SERVICE_ACCOUNT_EMAIL = "leaguectl-sandbox@leaguectl-sandbox.iam.gserviceaccount.com"


def generate_private_key_pem() -> str:
    """A new 2048-bit RSA key in PKCS#8 PEM (cryptography ships with google-auth)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return pem.decode()


def service_account_info(token_uri: str, private_key_pem: str) -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": "leaguectl-sandbox",
        "private_key_id": secrets.token_hex(20),
        "private_key": private_key_pem,
        "client_email": SERVICE_ACCOUNT_EMAIL,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/leaguectl-sandbox",
        "universe_domain": "googleapis.com",
    }


def sheet_url(key: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0"


def scorecards_document(state: SandboxState) -> dict[str, Any]:
    cards = {}
    for card in state.scorecards:
        cards[card.text_channel_id] = {
            "text_channel_id": card.text_channel_id,
            "sheet_url": sheet_url(card.sheet_key),
            "published_at": iso(card.published_at),
            "last_updated": iso(card.published_at),
            "publisher_id": card.publisher_id,
        }
    return {"scorecards": cards}


def voice_channels_document(state: SandboxState) -> dict[str, Any]:
    channels = {}
    for link in state.voice_links:
        channel = state.discord.channels.get(link.voice_channel_id)
        channels[link.voice_channel_id] = {
            "channel_id": link.voice_channel_id,
            "guild_id": state.discord.guild_id,
            "name": channel.name if channel else "",
            "type": link.type,
            "created_at": iso(link.created_at),
            "last_checked": iso(state.clock.now()),
            "empty_since": None,
            "creator_id": link.creator_id,
            "text_channel_id": link.text_channel_id,
        }
    return {"voice_channels": channels}


def write_json(path: Path, document: dict[str, Any], private: bool = False) -> Path:
    """Write atomically (temp file + rename); `private` makes it mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if private:
        os.chmod(temp, 0o600)
    temp.replace(path)
    return path
