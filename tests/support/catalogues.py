"""A small sales catalogue for tests of filters, links and navigation (no database needed)."""

from __future__ import annotations

from components.state import Catalogue

TWO_STORES = Catalogue(
    stores=("Loja A", "Loja B"),
    categories=("Bebidas", "Eletro"),
    product_category={"Cola 2L": "Bebidas", "Suco": "Bebidas", "Ventilador": "Eletro"},
    carried={"Loja A": frozenset({"Cola 2L", "Ventilador"}), "Loja B": frozenset({"Cola 2L", "Suco"})},
    freq="D",
)
