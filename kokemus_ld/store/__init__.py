"""Where the published dataset is queried: one small interface, one class per backend."""

from __future__ import annotations

from ..config import Settings
from .base import QueryError, QueryResult, QueryTimeout, Store


def open_store(settings: Settings) -> Store:
    """The store named by the `store` setting: `embedded`, or a remote endpoint URL."""
    if settings.store == "embedded":
        from .embedded import EmbeddedStore

        return EmbeddedStore(settings)
    if settings.store.startswith(("http://", "https://")):
        from .remote import RemoteStore

        return RemoteStore(settings.store, update_url=settings.store_update or None, settings=settings)
    raise ValueError(f"unknown store {settings.store!r}: use 'embedded' or an http(s) URL")


__all__ = ["open_store", "Store", "QueryResult", "QueryError", "QueryTimeout"]
