"""A shared link whose product belongs to another category says so instead of switching silently."""

from __future__ import annotations

from components.state import Catalogue, parse_query

CATALOGUE = Catalogue(
    stores=("Loja A",),
    categories=("Bebidas", "Mercearia"),
    product_category={"Acucar Refinado 1kg": "Mercearia", "Cola 2L": "Bebidas"},
    carried={"Loja A": frozenset({"Acucar Refinado 1kg", "Cola 2L"})},
    freq="D",
)


def test_product_of_another_category_is_shown_under_its_own_with_a_notice():
    state, problems = parse_query("?category=Bebidas&product=Acucar%20Refinado%201kg", "product", CATALOGUE)
    assert (state.category, state.product) == ("Mercearia", "Acucar Refinado 1kg")
    assert problems == [
        "'Acucar Refinado 1kg' is a Mercearia product, not Bebidas: showing it under Mercearia."
    ]


def test_matching_or_missing_category_needs_no_notice():
    assert parse_query("?category=Bebidas&product=Cola+2L", "product", CATALOGUE)[1] == []
    state, problems = parse_query("?product=Acucar+Refinado+1kg", "product", CATALOGUE)
    assert problems == [] and state.category is None
