from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.exceptions import InvalidTag

from gridgov.lib.crypto import FieldCipher, cipher_for, mask, new_secret, secret_digest

KEY = base64.urlsafe_b64encode(bytes(range(32))).decode("ascii")
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(1, 33))).decode("ascii")


def test_it_decrypts_what_it_encrypted() -> None:
    cipher = FieldCipher(KEY)
    token = cipher.encrypt("11010519491231002X")
    assert token.startswith("v1:")
    assert "11010519491231002X" not in token
    assert cipher.decrypt(token) == "11010519491231002X"


def test_the_same_value_encrypts_differently_each_time() -> None:
    cipher = FieldCipher(KEY)
    assert cipher.encrypt("13812345678") != cipher.encrypt("13812345678")


def test_the_lookup_hash_is_stable_and_keyed() -> None:
    assert FieldCipher(KEY).lookup_hash("13812345678") == FieldCipher(KEY).lookup_hash("13812345678")
    assert FieldCipher(KEY).lookup_hash("13812345678") != FieldCipher(OTHER_KEY).lookup_hash("13812345678")
    assert FieldCipher(KEY).lookup_hash("13812345678") != FieldCipher(KEY).lookup_hash("13812345679")


def test_another_key_cannot_decrypt() -> None:
    token = FieldCipher(KEY).encrypt("secret")
    with pytest.raises(InvalidTag):
        FieldCipher(OTHER_KEY).decrypt(token)


def test_a_tampered_token_is_refused() -> None:
    cipher = FieldCipher(KEY)
    blob = bytearray(base64.urlsafe_b64decode(cipher.encrypt("secret")[3:]))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        cipher.decrypt("v1:" + base64.urlsafe_b64encode(bytes(blob)).decode("ascii"))


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ciphertext version 'v9'"):
        FieldCipher(KEY).decrypt("v9:AAAA")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not base64 at all!", "URL-safe base64"),
        (base64.urlsafe_b64encode(b"short").decode("ascii"), "32 bytes"),
        ("密钥", "URL-safe base64"),
    ],
)
def test_it_refuses_bad_keys(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FieldCipher(key)


def test_cipher_for_reuses_one_cipher_per_key() -> None:
    assert cipher_for(KEY) is cipher_for(KEY)
    assert cipher_for(KEY) is not cipher_for(OTHER_KEY)


@pytest.mark.parametrize(
    ("value", "start", "end", "masked"),
    [
        ("11010519491231002X", 4, 4, "1101**********002X"),
        ("13812345678", 3, 4, "138****5678"),
        ("1234", 3, 4, "****"),
        ("", 3, 4, ""),
    ],
)
def test_mask_keeps_only_the_ends(value: str, start: int, end: int, masked: str) -> None:
    assert mask(value, start, end) == masked


def test_seal_gives_the_ciphertext_and_lookup_hash_and_keeps_empty_values_empty() -> None:
    from gridgov.lib.crypto import FieldCipher

    cipher = FieldCipher("ZGV2LW9ubHktZ3JpZGdvdi1maWVsZC1rZXktMzJieXQ=")
    encrypted, digest = cipher.seal("13807312345")
    assert cipher.decrypt(encrypted) == "13807312345"
    assert digest == cipher.lookup_hash("13807312345")
    assert cipher.seal("") == ("", "")


def test_a_new_secret_starts_with_its_prefix_and_holds_256_random_bits() -> None:
    secret, digest = new_secret("gg_")

    assert re.fullmatch(r"gg_[A-Za-z0-9_-]{43}", secret)
    assert len(base64.urlsafe_b64decode(secret[3:] + "=")) == 32
    assert digest == secret_digest(secret)
    assert new_secret("gg_")[0] != secret


@pytest.mark.parametrize("secret", ["o311_" + "a" * 43, "gg_Ab-_9", "网格-密钥", ""])
def test_a_secrets_digest_is_the_hex_sha256_of_its_utf8_as_stored_before(secret: str) -> None:
    # API tokens and Open311 keys were stored under exactly this digest before the helper existed.
    assert secret_digest(secret) == hashlib.sha256(secret.encode("utf-8")).hexdigest()


def test_text_with_a_lone_surrogate_gets_a_digest_that_matches_no_real_secret() -> None:
    odd = "gg_\ud800"

    digest = secret_digest(odd)

    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest not in {secret_digest("gg_\ufffd"), secret_digest("gg_")}
