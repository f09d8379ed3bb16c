"""``python -m sim.policy_robustness``: the command of :mod:`sim.analysis.policy_robustness`."""

from sim.analysis.policy_robustness import main

if __name__ == "__main__":
    main()
