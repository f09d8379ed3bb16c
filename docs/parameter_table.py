"""Print the ODD's parameter tables from the schema, or check that docs/odd.md carries them.

python docs/parameter_table.py          # print the Markdown tables
python docs/parameter_table.py --check  # exit 1 if docs/odd.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.core.config import ExplorationConfig, ModelConfig, RampConfig, RegimeConfig, parameter_rows

ODD = Path(__file__).with_name("odd.md")
BLOCKS = {
    "parameters": (ModelConfig, "model"),
    "regime": (RegimeConfig, "regime"),
    "ramp": (RampConfig, "ramp"),
    "exploration": (ExplorationConfig, "exploration"),
}


def markdown_table(block: str = "parameters") -> str:
    """One block's table as Markdown, one row per field of its schema."""
    schema, prefix = BLOCKS[block]
    lines = [f"| key (`{prefix}.`…) | symbol | default | allowed | unit | meaning |", "|---|---|---|---|---|---|"]
    for row in parameter_rows(schema):
        lines.append(
            f"| `{row['name']}` | {row['symbol']} | {row['default']} | {row['allowed']} | {row['unit']} "
            f"| {row['meaning']} |"
        )
    return "\n".join(lines)


def table_in_odd(block: str = "parameters") -> str:
    text = ODD.read_text()
    begin, end = f"<!-- {block}:begin -->", f"<!-- {block}:end -->"
    return text[text.index(begin) + len(begin) : text.index(end)].strip()


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if all(table_in_odd(b) == markdown_table(b) for b in BLOCKS) else 1)
    for block in BLOCKS:
        print(f"<!-- {block}:begin -->\n{markdown_table(block)}\n<!-- {block}:end -->\n")
