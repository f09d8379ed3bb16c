"""The named scenarios, policies and studies, read from their files: for ``--help`` and the page.

Each option file opens with a comment whose first sentence says what it is; that
sentence is the option's one-line description.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.cli.hydra_config import CONFIG_DIR

GROUPS = {  # config group: what its options are
    "scenario": "Scenarios (scenario=NAME): organisations and their histories",
    "policy": "Policies (policy=NAME or policy=[A,B]): interventions compared with the baseline",
    "study": "Studies (study=NAME): named sweeps, each writing to its own folder",
}
LONGEST = 90  # characters of a description in the listing


def options(group: str) -> dict[str, str]:
    """Option name -> one-line description, for every file of a config ``group``, sorted by name."""
    return {path.stem: first_sentence(path) for path in sorted((CONFIG_DIR / group).glob("*.yaml"))}


def first_sentence(path: Path) -> str:
    """The first sentence of a file's opening comment (the ``@package`` line skipped)."""
    words = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# @package"):
            continue
        words.append(line.lstrip("# ").strip())
    text = " ".join(words)
    match = re.match(r"(.+?\.)(\s|$)", text)
    sentence = (match.group(1) if match else text).rstrip(".:")
    if len(sentence) <= LONGEST:
        return sentence
    return sentence[:LONGEST].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def catalogue() -> str:
    """Every group's options with their descriptions, as plain text for ``--help``."""
    blocks = []
    for group, heading in GROUPS.items():
        entries = options(group)
        width = max(map(len, entries), default=0)
        lines = [f"  {name.ljust(width)}  {text}" for name, text in entries.items()]
        blocks.append("\n".join([f"{heading}:", *lines]))
    return "\n\n".join(blocks)
