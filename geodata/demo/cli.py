"""`python -m geodata.demo`: the demo generator's command line (Spanish messages)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from geodata.demo import profiles as P
from geodata.demo.dataset import XLSX_MAX_WORKS, generate, write
from geodata.runs import LoaderError, Parser


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="python -m geodata.demo",
        description="Genera un DataSet de obras públicas de demostración con el formato de "
                    "INFObras (xlsx/csv), su historial mensual de avance, la geolocalización "
                    "de las obras y, alrededor de ellas, las inversiones (MEF Banco de "
                    "Inversiones), las contrataciones (SEACE, CONOSCE) y los informes de "
                    "control (CGR), cada fuente con su formato real.")
    parser.add_argument("--works", type=int, required=True, help="número de obras")
    parser.add_argument("--seed", type=int, default=42, help="semilla (mismo valor, mismo archivo)")
    parser.add_argument("--out", type=Path, required=True, help="carpeta de salida")
    parser.add_argument("--format", choices=("xlsx", "csv", "both"), default=None,
                        help=f"formato de las planillas (obras y Banco de Inversiones); por "
                             f"defecto xlsx hasta {XLSX_MAX_WORKS:,} filas, csv por encima")
    parser.add_argument("--as-of", default=P.AS_OF, help="fecha de corte aaaa-mm-dd")
    parser.add_argument("--investments", type=int, default=None,
                        help="inversiones del Banco: los CUI de las obras y otras sin obra "
                             "(por defecto 1,25 por obra)")
    parser.add_argument("--processes", type=int, default=None,
                        help="procesos de contratación (por defecto: uno por cada dos obras)")
    parser.add_argument("--reports", type=int, default=None,
                        help="informes de control (por defecto: uno por cada veinte obras)")
    args = parser.parse_args(argv)
    try:
        as_of = date.fromisoformat(args.as_of)
    except ValueError:
        parser.error(f"--as-of no es una fecha aaaa-mm-dd: {args.as_of!r}")
    if args.works < 1:
        parser.error("--works debe ser un entero positivo")
    for option in ("investments", "processes", "reports"):
        if getattr(args, option) is not None and getattr(args, option) < 0:
            parser.error(f"--{option} no puede ser negativo")
    if args.out.exists() and not args.out.is_dir():
        raise LoaderError(f"--out debe ser una carpeta, y {args.out} es un archivo")
    fmt = args.format or ("xlsx" if args.works <= XLSX_MAX_WORKS else "csv")
    began = time.perf_counter()
    try:
        dataset = generate(args.works, args.seed, as_of, investments=args.investments,
                           processes=args.processes, reports=args.reports)
    except ValueError as error:
        parser.error(str(error))
    paths = write(dataset, args.out, fmt, args.format)
    seconds = time.perf_counter() - began
    sizes = ", ".join(f"{p.name} ({p.stat().st_size / 1e6:.1f} MB)" for p in paths.values())
    summary = dataset.summary
    print(f"{args.works:,} obras, {summary['filas_historial']:,} meses de historial, "
          f"{summary['inversiones']['inversiones']:,} inversiones, "
          f"{summary['contrataciones']['procesos']:,} procesos de contratación, "
          f"{summary['informes_control']['informes']:,} informes de control en "
          f"{seconds:.1f} s: {sizes}")
    return 0
