"""``python -m sim.hysteresis``: the command of :mod:`sim.analysis.hysteresis`."""

from sim.analysis.hysteresis import main

if __name__ == "__main__":
    main()
