"""``python -m sim.robustness``: the command of :mod:`sim.studies.robustness`."""

from sim.studies.robustness import main

if __name__ == "__main__":
    main()
