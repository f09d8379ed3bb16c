"""``python -m sim.equivalence``: the command of :mod:`sim.studies.equivalence`."""

from sim.studies.equivalence import main

if __name__ == "__main__":
    main()
