"""``python -m sim.ensembles``: the command of :mod:`sim.studies.ensembles`."""

from sim.studies.ensembles import main

if __name__ == "__main__":
    main()
