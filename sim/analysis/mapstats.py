"""The shape of a regime map: regime shares, connected regions, band widths and seed agreement.

These are the measures by which a regime map is judged (docs/validation.md): does each
regime's majority form one region, how wide is the resilient band in enforcement for
each level of individualization, and how many seeds of a cell agree with its majority.
Cells are the points of a regular two-parameter grid; two cells touch when they are
neighbours along one axis (4-connectivity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage


def majority_grid(cells: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """The majority regime per cell as a grid: rows are ``y`` values (ascending), columns ``x`` values."""
    return cells.pivot(index=y, columns=x, values="regime").sort_index().sort_index(axis=1)


def connected_regions(grid: pd.DataFrame, regime: str) -> int:
    """How many separate regions the cells whose majority is ``regime`` form (0 if none)."""
    _, count = ndimage.label((grid == regime).to_numpy())
    return int(count)


def widest_run(flags: np.ndarray) -> int:
    """Length of the longest run of consecutive True values."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def band_widths(grid: pd.DataFrame, regime: str = "resilient") -> pd.Series:
    """Per column (an ``x`` value): the widest run of consecutive ``regime`` cells along ``y``, in cells."""
    return pd.Series({column: widest_run((grid[column] == regime).to_numpy()) for column in grid.columns})


def seed_agreement(cells: pd.DataFrame) -> float:
    """Mean share of a cell's seeds that agree with its majority regime."""
    return float((cells["agree"] / cells["runs"]).mean())


def map_summary(table: pd.DataFrame, cells: pd.DataFrame, x: str, y: str) -> dict[str, object]:
    """Regime shares of the runs, connected regions per regime, resilient widths per column, seed agreement."""
    grid = majority_grid(cells, x, y)
    present = sorted({label for label in grid.to_numpy().ravel() if isinstance(label, str)})  # empty cells: NaN
    widths = band_widths(grid)
    return {
        "runs": len(table),
        "regime_shares": table["regime"].value_counts(normalize=True).round(3).to_dict(),
        "connected_regions": {regime: connected_regions(grid, regime) for regime in present},
        "resilient_width_cells": {f"{column:g}": int(width) for column, width in widths.items()},
        "columns_with_resilient_at_least_2_wide": int((widths >= 2).sum()),
        "seed_agreement": round(seed_agreement(cells), 3),
    }
