"""Where the shared data folder is: the real works file is used from there, never copied.

$MIRADOR_SHARED (the shared folder, the one that holds `data/`) wins; else the folder
`shared` beside the checkout (`../shared`, as every clone here and CI's have it). No path of
one machine is written here.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BESIDE = ROOT.parent / "shared"


def shared_dir() -> Path:
    """The shared folder: $MIRADOR_SHARED, else ../shared beside the checkout."""
    chosen = os.environ.get("MIRADOR_SHARED")
    return Path(chosen).expanduser() if chosen else BESIDE


def shared_data_dir() -> Path:
    """The `data` folder of the shared folder (it may not exist: callers say so)."""
    return shared_dir() / "data"
