"""Use case "find a store or a product by name as the user types": the pickers' server-side search.

A chain has thousands of stores and up to a million (store, product) series: a dropdown cannot carry
them all. The pickers hold the first ``SEARCH_LIMIT`` names (50) and ask here for the first matches of
what the user typed (every word must appear, case-insensitive), within the user's store scope. The
SQL lives in ``data.queries`` (indexed by migration 0010).
"""

from __future__ import annotations

from typing import Any

from data import queries
from data.queries import SEARCH_LIMIT
from services.scoping import StoreScope


def find_stores(engine: Any, term: str | None, scope: StoreScope, *, limit: int = SEARCH_LIMIT) -> list[str]:
    """The first ``limit`` stores the user may see whose name contains every word of ``term``."""
    return queries.search_stores(engine, term, limit=limit, within=scope.stores)


def find_products(
    engine: Any,
    term: str | None,
    scope: StoreScope,
    *,
    store: str | None = None,
    category: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[str]:
    """The first ``limit`` products matching ``term`` of ``category`` carried by ``store`` — or, for all
    stores, by any store the user may see; nothing for a store outside the user's scope."""
    if store is not None and not scope.allows(store):
        return []
    stores = [store] if store is not None else scope.stores
    return queries.search_products(engine, term, category=category, stores=stores, limit=limit)
