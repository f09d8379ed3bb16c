"""``python -m sim``: run one organisation (see :mod:`sim.app`)."""

from sim.app import main

main()
