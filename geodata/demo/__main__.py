"""`python -m geodata.demo --works N --seed S --out DIR`: see geodata.demo.cli."""

import sys

from geodata.demo.cli import main
from geodata.runs import run_cli

sys.exit(run_cli(main))
