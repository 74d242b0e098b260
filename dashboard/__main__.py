"""Serve the dashboard: `python -m dashboard [--host 127.0.0.1] [--port 8050] [--debug]`.

For production use gunicorn: `gunicorn -c gunicorn.conf.py dashboard.app:server`.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard",
                                     description="Sirve el tablero Mirador de Obras.")
    parser.add_argument("--host", default="127.0.0.1", help="dirección (por defecto 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="puerto (por defecto 8050)")
    parser.add_argument("--debug", action="store_true", help="modo de desarrollo de Dash")
    args = parser.parse_args(argv)

    from dashboard.app import app

    print(f"Mirador de Obras en http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
