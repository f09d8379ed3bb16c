"""``python -m sim.validation``: the command of :mod:`sim.studies.validation`."""

from sim.studies.validation import main

if __name__ == "__main__":
    main()
