"""``python -m sim.sensitivity``: the command of :mod:`sim.studies.sensitivity`."""

from sim.studies.sensitivity import main

if __name__ == "__main__":
    main()
