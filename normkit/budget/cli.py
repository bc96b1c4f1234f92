"""CLI commands of the budget domain. ``register`` adds sub-commands and returns their handlers.

Keep this module light: import heavy libraries inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable


def register(sub: Any, pack_options: Callable[[argparse.ArgumentParser], None]) -> dict[str, Callable[[Any], int]]:
    return {}
