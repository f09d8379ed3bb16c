"""Print the ODD's parameter table from the schema, or check that docs/odd.md carries it.

python docs/parameter_table.py          # print the Markdown table
python docs/parameter_table.py --check  # exit 1 if docs/odd.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.config import parameter_rows

ODD = Path(__file__).with_name("odd.md")
BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"


def markdown_table() -> str:
    """The parameter table as Markdown, one row per :class:`sim.config.ModelConfig` field."""
    lines = ["| key (`model.`…) | symbol | default | allowed | unit | meaning |", "|---|---|---|---|---|---|"]
    for row in parameter_rows():
        symbol = row["symbol"]
        lines.append(
            f"| `{row['name']}` | {symbol} | {row['default']} | {row['allowed']} | {row['unit']} | {row['meaning']} |"
        )
    return "\n".join(lines)


def table_in_odd() -> str:
    text = ODD.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if table_in_odd() == markdown_table() else 1)
    print(markdown_table())
