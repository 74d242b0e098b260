"""Where the shared data folder is: the real works file is used from there, never copied.

Looked up in order: $MIRADOR_SHARED, the folder `shared` beside the checkout, /work/shared
(this workplace's copy, for clones made elsewhere, such as CI's).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = (ROOT.parent / "shared", Path("/work/shared"))


def shared_data_dir() -> Path:
    """The `data` folder of the shared folder (it may not exist: callers say so)."""
    if os.environ.get("MIRADOR_SHARED"):
        return Path(os.environ["MIRADOR_SHARED"]) / "data"
    for base in CANDIDATES:
        if (base / "data").is_dir():
            return base / "data"
    return CANDIDATES[0] / "data"
