"""Policy what-if: classify the same households under two standards and count the moves.

Each household is classified under standard A and under standard B (each at its own date);
the transition matrix counts, for every pair of statuses, how many households go from the
first to the second. A household rejected under either standard is reported, not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from normkit.poverty.batch import classify_frame
from normkit.poverty.standards import STATUSES, Standard

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass
class Transitions:
    """Counts of households by (status under A, status under B)."""

    a: str
    b: str
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    rejected: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Transitions) -> None:
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v
        self.rejected += other.rejected
        self.notes += [n for n in other.notes if n not in self.notes]

    @property
    def households(self) -> int:
        return sum(self.counts.values())

    def matrix(self) -> list[list[int]]:
        """Rows: status under A; columns: status under B; in the order of STATUSES."""
        return [[self.counts.get((x, y), 0) for y in STATUSES] for x in STATUSES]

    def moved(self) -> int:
        return sum(v for (x, y), v in self.counts.items() if x != y)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.a, "to": self.b, "statuses": list(STATUSES), "matrix": self.matrix(),
                "households": self.households, "moved": self.moved(), "rejected": self.rejected, "notes": self.notes}


def transitions(frame: Any, a: Standard, b: Standard, *, first_row: int = 1) -> tuple[Transitions, pd.DataFrame]:
    """The transition matrix of ``frame`` from standard ``a`` to ``b``, and the rejected rows."""
    import pandas as pd

    ra = classify_frame(frame, a, method="income", first_row=first_row)
    rb = classify_frame(frame, b, method="income", first_row=first_row)
    pos_a = pd.Series(ra.classified["status"].to_numpy(), index=ra.classified.index)
    pos_b = pd.Series(rb.classified["status"].to_numpy(), index=rb.classified.index)
    both = pos_a.index.intersection(pos_b.index)
    pairs = pd.crosstab(pos_a.loc[both].to_numpy(), pos_b.loc[both].to_numpy()) if len(both) else pd.DataFrame()
    t = Transitions(a.id, b.id)
    for x in pairs.index:
        for y in pairs.columns:
            n = int(pairs.loc[x, y])
            if n:
                t.counts[(str(x), str(y))] = n
    rej = pd.concat([ra.rejects.assign(standard=a.id), rb.rejects.assign(standard=b.id)], ignore_index=True)
    t.rejected = len(np.unique(rej["row"].to_numpy())) if len(rej) else 0
    for std, r in ((a, ra), (b, rb)):
        t.notes += [f"{std.id}: {n}" if not n.startswith(std.id) else n for n in r.notes]
    return t, rej
