"""``python -m sim.discover``: the command of :mod:`sim.studies.discover`."""

from sim.studies.discover import main

if __name__ == "__main__":
    main()
