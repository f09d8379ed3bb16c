"""``python -m sim.gather``: the command of :mod:`sim.runs.gather`."""

from sim.runs.gather import main

if __name__ == "__main__":
    main()
