"""Every loader's and the generator's command line: --help works (a '%' in a help text once
made argparse crash), and a bad argument, file or folder is one Spanish line and a non-zero
exit, never a traceback. Run in-process through run_cli, as `python -m` runs them."""

from __future__ import annotations

import importlib

import pytest

from geodata.runs import run_cli

MODULES = ("geodata.infobras", "geodata.paralizadas", "geodata.demo", "geodata.boundaries",
           "geodata.ubigeo", "geodata.alerts", "geodata.digest")


CLI = {"geodata.demo": "geodata.demo.cli"}   # a package runs its command line from a module


def _run(capsys, module: str, *argv: str) -> tuple[int, str, str]:
    main = importlib.import_module(CLI.get(module, module)).main
    try:
        code = run_cli(main, list(argv))
    except SystemExit as exc:   # argparse: --help (0) and bad arguments (2)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("module", MODULES)
def test_help(capsys, module):
    code, out, err = _run(capsys, module, "--help")
    assert (code, err) == (0, "")
    assert f"python -m {module}" in out


@pytest.mark.parametrize("module", MODULES)
def test_an_unknown_argument_is_one_spanish_line(capsys, module):
    code, _, err = _run(capsys, module, "--no-existe")
    line = _one_line(err)   # a module with required arguments says those are missing first
    assert code == 2
    assert line.startswith(("error: argumentos no reconocidos: --no-existe",
                            "error: faltan argumentos obligatorios: ")), line
    assert f"(ayuda: python -m {module} --help)" in line


@pytest.mark.parametrize(("argv", "code", "message"), [
    (("--works", "abc", "--out", "x"), 2, "argumento --works: valor no válido 'abc'"),
    (("--works", "10"), 2, "faltan argumentos obligatorios: --out"),
    (("--works", "0", "--out", "x"), 2, "--works debe ser un entero positivo"),
    (("--works", "5", "--out", "x", "--format", "pdf"), 2, "opción no válida 'pdf'"),
    (("--works", "5", "--out", "x", "--as-of", "31/10/2026"), 2, "--as-of no es una fecha"),
    (("--works", "50", "--out", "x", "--investments", "3"), 2, "--investments debe ser al menos"),
    (("--works", "5", "--out", "x", "--reports", "-1"), 2, "--reports no puede ser negativo"),
])
def test_generator_arguments(capsys, argv, code, message):
    got, _, err = _run(capsys, "geodata.demo", *argv)
    assert got == code and message in _one_line(err)


def test_generator_output_folder_that_cannot_be(capsys, tmp_path):
    a_file = tmp_path / "archivo.txt"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = _run(capsys, "geodata.demo", "--works", "5", "--out", str(a_file))
    assert code == 1 and "--out debe ser una carpeta" in _one_line(err)
    code, _, err = _run(capsys, "geodata.demo", "--works", "5", "--out",
                        str(a_file / "dentro"))
    assert code == 1
    assert "no se pudo leer o escribir" in _one_line(err) and "no es una carpeta" in err


@pytest.mark.parametrize("module", ["geodata.paralizadas", "geodata.infobras"])
def test_bad_files_before_any_database_work(capsys, tmp_path, module):
    """The file is checked before the database is touched: these fail the same without one."""
    empty = tmp_path / "vacio.csv"
    empty.write_bytes(b"")
    wrong = tmp_path / "otro.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    for path, message in ((empty, "El archivo está vacío"),
                          (wrong, "faltan columnas obligatorias"),
                          (tmp_path / "no.csv", "No existe el archivo")):
        code, _, err = _run(capsys, module, str(path), "--sin-alertas")
        assert code == 1 and message in _one_line(err), (module, path)
