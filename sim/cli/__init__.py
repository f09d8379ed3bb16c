"""The command line: Hydra's configuration tree, the up-front check and ``python -m sim``. Imports every layer below."""
