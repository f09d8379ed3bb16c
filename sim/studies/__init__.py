"""Studies built from sweeps: sensitivity, validation, robustness of the regime map. Imports runs and below."""
