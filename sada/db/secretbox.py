"""Encryption of stored secrets under keys derived from SADA_SECRET_KEY (Fernet + HKDF).

`encrypt_secret` always uses the current key; `decrypt_secret` also accepts the keys of
SADA_PREVIOUS_SECRET_KEYS (comma-separated), so the secret key can be rotated without losing
stored secrets. Values without the `enc1:` prefix are plaintext from before encryption and
are returned unchanged.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sada.settings import get_settings

PREFIX = "enc1:"


class SecretUnreadable(RuntimeError):
    """A stored secret was encrypted under a key that is neither current nor previous."""


def _derive(secret_key: str) -> Fernet:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"sada.secrets.v1", info=b"fernet"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


@lru_cache(maxsize=8)
def _keys(current: str, previous: str) -> MultiFernet:
    olds = [k.strip() for k in previous.split(",") if k.strip() and k.strip() != current]
    return MultiFernet([_derive(current), *(_derive(k) for k in olds)])


def _box() -> MultiFernet:
    settings = get_settings()
    return _keys(settings.secret_key, settings.previous_secret_keys)


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def encrypt_secret(value: str) -> str:
    if is_encrypted(value):  # already sealed (copied from another row): keep as is
        return value
    return PREFIX + _box().encrypt(value.encode()).decode()


def decrypt_secret(stored: str) -> str:
    if not is_encrypted(stored):
        return stored
    try:
        return _box().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted: was SADA_SECRET_KEY changed without listing "
            "the old key in SADA_PREVIOUS_SECRET_KEYS?"
        ) from None
