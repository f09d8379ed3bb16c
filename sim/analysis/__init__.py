"""From per-step tables to indicators, regimes, statistics and figures. Imports :mod:`sim.core` only."""
