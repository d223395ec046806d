"""Chi-square tests of independence, for the draw's self-check. Pure: standard library only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    degrees_of_freedom: int
    p_value: float


def _upper_regularized_gamma(shape: float, x: float) -> float:
    """Q(shape, x) = 1 - P(shape, x): series below shape + 1, continued fraction above."""
    if x <= 0:
        return 1.0
    if x < shape + 1:
        term = total = 1.0 / shape
        denominator = shape
        for _ in range(10_000):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        lower = total * math.exp(-x + shape * math.log(x) - math.lgamma(shape))
        return max(0.0, 1.0 - lower)
    # Lentz's continued fraction for Q.
    tiny = 1e-300
    b = x + 1 - shape
    c = 1 / tiny
    d = 1 / b
    h = d
    for step in range(1, 10_000):
        a = -step * (step - shape)
        b += 2
        d = a * d + b
        d = tiny if abs(d) < tiny else d
        c = b + a / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h * math.exp(-x + shape * math.log(x) - math.lgamma(shape))


def chi_square_p_value(statistic: float, degrees_of_freedom: int) -> float:
    return _upper_regularized_gamma(degrees_of_freedom / 2, statistic / 2)


def independence(table: Sequence[Sequence[int]]) -> ChiSquare:
    """Pearson's test that rows and columns of a contingency table are independent.

    Rows or columns with no observations are left out (they carry no information)."""
    rows = [row for row in table if sum(row) > 0]
    columns = [
        index for index in range(len(rows[0]) if rows else 0) if any(row[index] for row in rows)
    ]
    total = sum(sum(row) for row in rows)
    if len(rows) < 2 or len(columns) < 2 or total == 0:
        return ChiSquare(0.0, 0, 1.0)
    row_sums = [sum(row[index] for index in columns) for row in rows]
    column_sums = [sum(row[index] for row in rows) for index in columns]
    statistic = 0.0
    for row, row_sum in zip(rows, row_sums, strict=True):
        for index, column_sum in zip(columns, column_sums, strict=True):
            expected = row_sum * column_sum / total
            statistic += (row[index] - expected) ** 2 / expected
    freedom = (len(rows) - 1) * (len(columns) - 1)
    return ChiSquare(statistic, freedom, chi_square_p_value(statistic, freedom))


def goodness_of_fit(observed: Sequence[int]) -> ChiSquare:
    """Pearson's test that counts are uniform across their cells."""
    total = sum(observed)
    if len(observed) < 2 or total == 0:
        return ChiSquare(0.0, 0, 1.0)
    expected = total / len(observed)
    statistic = sum((count - expected) ** 2 / expected for count in observed)
    freedom = len(observed) - 1
    return ChiSquare(statistic, freedom, chi_square_p_value(statistic, freedom))


def deciles(values: Sequence[float]) -> list[int]:
    """The decile (0-9) of each value by its position in sorted order; ties keep input order."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    bucket = [0] * len(values)
    for position, index in enumerate(order):
        bucket[index] = min(9, position * 10 // max(1, len(values)))
    return bucket
