"""The model: NumPy state, its mechanisms twice (NumPy reference, Numba kernels), thin Mesa agents.

Imports NumPy, Numba and Mesa only, no other layer.
"""
