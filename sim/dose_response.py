"""``python -m sim.dose_response``: the command of :mod:`sim.analysis.dose_response`."""

from sim.analysis.dose_response import main

if __name__ == "__main__":
    main()
