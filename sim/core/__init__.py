"""The model: NumPy state and mechanisms, thin Mesa agents. Imports NumPy and Mesa only, no other layer."""
