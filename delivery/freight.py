"""What freight comes to: the lines of each shipping template charged together, once, by the
rule of the address's region; pure functions over a snapshot of the templates
(``selectors.shipping_table``), so the price engine reads nothing here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from accounts import regions

ZERO = Decimal("0.00")
PIECE, WEIGHT = "piece", "weight"


@dataclass(frozen=True)
class Charge:
    first_units: Decimal
    first_fee: Decimal
    extra_units: Decimal
    extra_fee: Decimal
    free_over_amount: Decimal | None = None
    free_over_pieces: int | None = None

    def fee(self, units: Decimal) -> Decimal:
        """The first fee for up to the first units, and the extra fee for each step begun
        beyond them (2.1 kg past a first 1 kg in steps of 1 kg: two steps)."""
        if units <= self.first_units:
            return self.first_fee
        steps = math.ceil((units - self.first_units) / self.extra_units)
        return self.first_fee + self.extra_fee * steps

    def free_for(self, *, amount: Decimal, pieces: int) -> bool:
        return (self.free_over_amount is not None and amount >= self.free_over_amount) or (
            self.free_over_pieces is not None and pieces >= self.free_over_pieces
        )


@dataclass(frozen=True)
class RegionRule:
    codes: frozenset[str]
    delivers: bool
    charge: Charge


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    charge_by: str
    charge: Charge
    rules: tuple[RegionRule, ...] = ()

    def rule_for(self, region_code: str) -> RegionRule | None:
        """The rule naming the smallest of the address's district, city and province."""
        for place in reversed(regions.lineage(region_code)):
            for rule in self.rules:
                if place.code in rule.codes:
                    return rule
        return None


@dataclass(frozen=True)
class Table:
    templates: dict[int, Template]
    default: Template

    def template_of(self, template_id: int | None) -> Template:
        return self.templates.get(template_id) or self.default


@dataclass
class Item:
    """One line as freight sees it: its template, quantity, weight per unit (kg) and what it
    costs after discounts, before shipping (points aside)."""

    index: int
    template_id: int | None
    quantity: int
    weight: Decimal
    amount: Decimal


@dataclass
class TemplateFreight:
    """The freight of one template's lines in a quote."""

    template: Template
    indexes: list[int] = field(default_factory=list)
    pieces: int = 0
    weight: Decimal = ZERO
    amount: Decimal = ZERO
    fee: Decimal = ZERO
    delivers: bool = True
    free: bool = False
    # How much more of this template's items ships it free (None: no rule by amount here).
    gap: Decimal | None = None

    @property
    def units(self) -> Decimal:
        return Decimal(self.pieces) if self.template.charge_by == PIECE else self.weight


def freight(items: list[Item], region_code: str, table: Table) -> list[TemplateFreight]:
    """Each template's lines charged together by the rule of ``region_code`` (no code: the
    template's own charge, an estimate). A template that does not deliver there charges
    nothing and says so (``delivers``); checkout refuses its lines."""
    groups: dict[int, TemplateFreight] = {}
    for item in items:
        template = table.template_of(item.template_id)
        group = groups.setdefault(template.id, TemplateFreight(template=template))
        group.indexes.append(item.index)
        group.pieces += item.quantity
        group.weight += item.weight * item.quantity
        group.amount += item.amount
    for group in groups.values():
        rule = group.template.rule_for(region_code) if region_code else None
        if rule is not None and not rule.delivers:
            group.delivers = False
            continue
        charge = rule.charge if rule is not None else group.template.charge
        if charge.free_for(amount=group.amount, pieces=group.pieces):
            group.free = True
            continue
        group.fee = charge.fee(group.units)
        if group.fee and charge.free_over_amount is not None:
            group.gap = charge.free_over_amount - group.amount
    return list(groups.values())
