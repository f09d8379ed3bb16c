"""``python -m sim``: run one organisation (see :mod:`sim.cli.app`)."""

from sim.cli.app import main

main()
