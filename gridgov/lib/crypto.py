"""Field encryption for personal data (AES-GCM ciphertext plus a keyed hash for exact lookup), and secrets.

`new_secret` makes the random secrets clients hold (API tokens, Open311 keys), stored only as the
plain SHA-256 of `secret_digest`: they are 256 random bits, so a slow password hash would add nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"


class FieldCipher:
    """Encrypt, decrypt and blind-index short text values with keys derived from one master key."""

    def __init__(self, master_key: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(master_key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ValueError("the field key must be URL-safe base64") from exc
        if len(raw) != 32:
            raise ValueError("the field key must decode to 32 bytes")
        self._aead = AESGCM(_derive(raw, b"gridgov field encryption"))
        self._hash_key = _derive(raw, b"gridgov field lookup hash")

    def encrypt(self, value: str) -> str:
        """Return the value encrypted with a fresh nonce, as `v1:<base64>`."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), None)
        return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plain value of a token made by `encrypt`."""
        version, _, body = token.partition(":")
        if version != _VERSION:
            raise ValueError(f"unknown ciphertext version {version!r}")
        blob = base64.urlsafe_b64decode(body.encode("ascii"))
        return self._aead.decrypt(blob[:12], blob[12:], None).decode("utf-8")

    def seal(self, value: str) -> tuple[str, str]:
        """Return the value encrypted and its lookup hash; an empty value stays empty in both."""
        if not value:
            return "", ""
        return self.encrypt(value), self.lookup_hash(value)

    def lookup_hash(self, value: str) -> str:
        """Return the keyed hash used to find a row by its exact (normalised) value."""
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@lru_cache(maxsize=4)
def cipher_for(master_key: str) -> FieldCipher:
    """Return a cached cipher for the key (deriving keys costs more than a single encryption)."""
    return FieldCipher(master_key)


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """Return the value with all but its first and last characters replaced by asterisks."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


SECRET_BYTES = 32  # 256 random bits in every secret


def new_secret(prefix: str) -> tuple[str, str]:
    """Return a fresh random secret starting with the prefix, and the digest under which it is stored."""
    secret = prefix + secrets.token_urlsafe(SECRET_BYTES)
    return secret, secret_digest(secret)


def secret_digest(secret: str) -> str:
    """Return the hex SHA-256 of the secret's UTF-8 bytes, under which it is stored and looked up.

    A lone surrogate (possible in text decoded from JSON) is encoded as is rather than raising: such
    text is no secret anyone was given, so its digest matches nothing. Every other text gives the
    same bytes as strict UTF-8, so digests stored before this helper existed still match.
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
