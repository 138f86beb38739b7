"""Secrets (tool servers' env and headers, providers' API keys, the local API's key).

Kept in the OS keyring through ``keyring`` where the platform has one, else in a file only the
user can read; never in the settings file, exports, logs or the page.

- ``_store``: ``SecretStore``: get, set and delete by key, keyring first, then the 0600 file.
"""

from ._store import SecretStore

__all__ = ["SecretStore"]
