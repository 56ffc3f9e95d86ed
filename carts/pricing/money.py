"""Money in the price engine: Decimal yuan at the edges, whole fen inside, never float.

``allocate`` splits a discount across the lines it applies to. No library does this the way a
refund needs it (python-money and py-moneyed split evenly, not by weight, and know nothing of
a line's ceiling), so it is the dozen lines here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_fen(amount: Decimal) -> int:
    """Yuan to whole fen; the amount must already be in fen (two places)."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def round_fen(amount: Decimal) -> Decimal:
    """To the fen, half up (¥0.005 → ¥0.01), the way a till rounds."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` fen across lines in proportion to ``weights`` (each line's amount in
    fen, which is also the most it can take): each line but the last gets its share rounded
    down, the last the remainder. Should the remainder pass the last line's own amount (a
    tiny last line after large ones), the excess moves to the lines before it, last first.

    The parts sum to ``total`` exactly and no part passes its weight; ``total`` may not pass
    the sum of the weights.
    """
    whole = sum(weights)
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("amounts to allocate are never negative")
    if total > whole:
        raise ValueError(f"cannot take {total} fen off lines of {whole}")
    if total == 0 or not weights:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights[:-1]]
    parts.append(total - sum(parts))
    excess = parts[-1] - weights[-1]
    for i in range(len(parts) - 1, -1, -1):
        if excess <= 0:
            break
        if i == len(parts) - 1:
            parts[i] = weights[i]
            continue
        room = min(weights[i] - parts[i], excess)
        parts[i] += room
        excess -= room
    return parts


def split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` fen in proportion to ``weights`` (pieces, grams: no ceiling, unlike
    ``allocate``), each part but the last rounded down, the last the remainder; all-zero
    weights split evenly."""
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("amounts to split are never negative")
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    parts = [total * w // whole for w in weights[:-1]]
    return [*parts, total - sum(parts)]
