"""``python -m sim.window``: the command of :mod:`sim.analysis.window`."""

from sim.analysis.window import main

if __name__ == "__main__":
    main()
