"""The demo generator: deterministic, in the real export's layout and formats, realistic
distributions, internally consistent snapshot and history, and its deliberate flaws."""

from __future__ import annotations

import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geodata.demo import profiles as P
from geodata.demo.cli import main
from geodata.demo.dataset import (
    COORDS_FILE,
    EXPORT_STEM,
    HISTORY_FILE,
    SUMMARY_FILE,
    generate,
    write,
)
from geodata.demo.export import EXPORT_CELLS, decimal_text
from geodata.demo.locations import METRES_PER_DEGREE, districts
from geodata.demo.names import load_places
from geodata.demo.works import DAY
from geodata.infobras_format import COLUMNS, COORDS_COLUMNS, HEADER_ROW, HISTORY_COLUMNS, STATUS
from geodata.names import DistrictMatcher
from geodata.parsing import fold, parse_date, parse_decimal
from geodata.works import surveyed_point
from tests.conftest import PARALIZADAS_CSV, SHARED

WORKS = 10_000
AMOUNT = re.compile(r"-?\d+( \d{1,2})?")
DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
AMOUNT_COLUMNS = ("Monto aprobado en soles", "Costo de la obra en soles",
                  "Monto del contrato  en soles", "Monto de adicionales de obra",
                  "Monto de ejecución financiera de la obra", "Porcentaje de ejecución financiera",
                  "Avance Físico Real Acumulado (%)")
DATE_COLUMNS = [c for c in COLUMNS if c.startswith("Fecha")]


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return load_places()


@pytest.fixture(scope="module")
def dataset(places):
    return generate(WORKS, seed=123, places=places)


@pytest.fixture(scope="module")
def table(dataset) -> pd.DataFrame:
    return dataset.table()


@pytest.fixture(scope="module")
def bad(dataset) -> np.ndarray:
    """Positions of the deliberately damaged rows."""
    return dataset.edits.loc[dataset.edits["bad"], "position"].to_numpy()


@pytest.fixture(scope="module")
def history(dataset) -> pd.DataFrame:
    return dataset.history()


@pytest.fixture(scope="module")
def written(tmp_path_factory, places):
    """A small dataset written twice with one seed and once with another."""
    paths = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        data = generate(1_500, seed=seed, places=places)
        paths.append(write(data, tmp_path_factory.mktemp(name), "both"))
    return paths


def test_same_seed_same_bytes(written):
    first, again, other = written
    for kind in ("xlsx", "csv", "history", "coords", "summary", "banco", "conosce", "control"):
        assert first[kind].read_bytes() == again[kind].read_bytes(), kind
    for kind in ("csv", "banco", "conosce", "control"):
        assert first[kind].read_bytes() != other[kind].read_bytes(), kind


def test_xlsx_has_titles_then_the_header_on_row_4(written):
    paths = written[0]
    book = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "CONTRALORÍA GENERAL DE LA REPÚBLICA"
    assert rows[2][0].startswith("Fecha de corte: ") and DATE.fullmatch(rows[2][0][-10:])
    assert list(rows[HEADER_ROW - 1]) == list(COLUMNS)
    assert len(rows) == HEADER_ROW + 1_500
    from_xlsx = pd.read_excel(paths["xlsx"], header=HEADER_ROW - 1, dtype=str,
                              keep_default_na=False)
    from_csv = pd.read_csv(paths["csv"], header=HEADER_ROW - 1, dtype=str,
                           keep_default_na=False, encoding="utf-8-sig")
    assert list(from_csv.columns) == list(COLUMNS)
    pd.testing.assert_frame_equal(from_xlsx, from_csv)


def test_history_file_matches_the_summary(written):
    paths = written[0]
    history = pd.read_csv(paths["history"], dtype=str, keep_default_na=False)
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    assert tuple(history.columns) == HISTORY_COLUMNS
    assert len(history) == summary["filas_historial"]
    assert history["Mes"].str.fullmatch(r"01/\d{2}/\d{4}").all()
    assert {fold(s) for s in history["Estado de ejecución"]} <= set(STATUS)


def test_every_export_column_has_a_cell_format():
    assert tuple(EXPORT_CELLS) == tuple(COLUMNS)


def test_decimals_are_written_with_a_space():
    values = [1205287.56, 27.78, 27.5, 27.05, 100.0, np.nan, -3.2]
    assert decimal_text(values).tolist() == ["1205287 56", "27 78", "27 5", "27 05", "100", "",
                                             "-3 2"]


def test_cells_use_the_export_formats(table, bad):
    good = table.drop(index=bad)
    for column in AMOUNT_COLUMNS:
        values = good[column][good[column] != ""]
        assert values.str.fullmatch(AMOUNT).all(), column
        assert not values.str.startswith("-").any(), column
    for column in DATE_COLUMNS:
        values = good[column][good[column] != ""]
        assert values.str.fullmatch(DATE).all(), column
    assert good["Código INFOBRAS"].str.fullmatch(r"\d+").all()
    cui = table["Código único de inversión"]
    assert cui.str.fullmatch(r"\d{7}").all()
    assert {fold(s) for s in table["Estado de ejecución"]} <= set(STATUS)


def test_places_are_uppercase_names_without_accents(table, dataset):
    variants = dataset.edits.loc[~dataset.edits["bad"], "position"]
    plain = table.drop(index=np.union1d(variants, dataset.edits["position"]))
    for column in ("Departamento", "Provincia", "Distrito"):
        assert plain[column].str.fullmatch(r"[A-ZÑ0-9 .'()-]+").all(), column
    assert "P C DEL CALLAO" in set(plain["Departamento"])
    assert "CALLAO" not in set(plain["Departamento"])


def test_every_district_gets_works_more_where_more_people(dataset, places):
    counts = np.bincount(dataset.works["place"], minlength=len(places))
    assert (counts > 0).all()
    population = places["population"].to_numpy()
    big = counts[population >= np.quantile(population, 0.9)].mean()
    small = counts[population <= np.quantile(population, 0.1)].mean()
    assert big > 3 * small


def test_shares_are_within_their_bands(table, dataset):
    status = table["Estado de ejecución"].value_counts(normalize=True)
    for name, share in zip(P.STATUSES, P.STATUS_SHARES, strict=True):
        assert abs(status[name] - share) < 0.02, name
    level = table["Nivel de gobierno"].value_counts(normalize=True)
    for name, share in zip(P.LEVELS, P.LEVEL_SHARES, strict=True):
        assert abs(level[name] - share) < 0.02, name
    modality = table["Modalidad de ejecución de la obra"].value_counts(normalize=True)
    assert 0.50 < modality["Contrata"] < 0.60
    assert 0.37 < modality["Administración directa"] < 0.47
    works = dataset.works
    overrun = works["amount_updated"] > works["amount_technical_file"] * 1.0001
    paralysed = works["status"] == P.STATUSES.index("Paralizada")
    assert 0.35 < overrun.mean() < 0.60
    assert 0.55 < overrun[paralysed].mean() < 0.75     # PARALIZADAS: 63 %
    additional = works["amount_additional"] / works["amount_contract"]
    assert 0.02 < (additional[works["modality"] == 0] > 0.15).mean() < 0.10


@pytest.mark.skipif(not PARALIZADAS_CSV.exists(), reason="needs ../shared/data")
def test_paralysed_works_look_like_the_real_ones(dataset, table):
    real = pd.read_csv(PARALIZADAS_CSV)
    works = dataset.works
    ours = works[(works["status"] == P.STATUSES.index("Paralizada")) & (works["level"] == 0)]
    theirs = real[real["nivel_gobierno"] == "Gobierno Local"]
    assert abs(np.log10(ours["amount_technical_file"]).median()
               - np.log10(theirs["monto_exp_tecnico"].clip(lower=1)).median()) < 0.25
    assert abs(ours["physical_progress"].median() - real["avance_fisico_infobras"].median()) < 8
    causes = table.loc[works["status"] == P.STATUSES.index("Paralizada"), "Causal de paralización"]
    assert causes[causes != ""].value_counts().index[0] == (
        real["causal_paralizacion"].value_counts().index[0])


def test_snapshot_is_internally_consistent(dataset):
    w = dataset.works
    as_of = np.datetime64(dataset.as_of, "D")
    started = w["start_date"].notna()
    assert (w["approval_date"][started] <= w["start_date"][started]).all()
    assert (w["start_date"][started] < w["programmed_end"][started]).all()
    moved = w["reprogrammed_end"].notna()
    assert (w["reprogrammed_end"][moved] > w["programmed_end"][moved]).all()
    finished = w["status"] == P.STATUSES.index("Finalizado")
    assert w["real_end"][finished].notna().all() and w["real_end"][~finished].isna().all()
    reported = w["last_progress_date"].dropna()
    assert (w["real_end"][finished] <= as_of).all() and (reported <= as_of).all()
    assert (reported >= w["start_date"][reported.index]).all()
    paralysed = w["status"] == P.STATUSES.index("Paralizada")
    assert w["paralysis_date"][paralysed].notna().all()
    assert w["paralysis_date"][~paralysed].isna().all()
    assert (w["paralysis_date"][paralysed] > w["start_date"][paralysed]).all()
    days = (as_of - w["paralysis_date"][paralysed].to_numpy()) / DAY
    assert (w["paralysis_days"][paralysed] == days).all() and (days >= P.MIN_PARALYSIS_DAYS).all()
    assert ((w["status"] == P.STATUSES.index("Sin Ejecución")) == ~started).all()
    accrued = np.round(w["financial_progress"] / 100 * w["amount_updated"], 2)
    assert np.allclose(w["amount_accrued"], accrued)
    contract = w["amount_contract"].notna()
    assert (w["amount_contract"][contract] <= w["amount_technical_file"][contract]).all()
    direct = w["modality"] == P.MODALITIES.index("Administración directa")
    assert (w["contractor_name"][direct] == "").all() and w["amount_contract"][direct].isna().all()
    stale = w["stale"] & (w["status"] == P.STATUSES.index("En Ejecución"))
    assert ((as_of - w["last_progress_date"][stale].to_numpy()) / DAY > 180).all()
    assert 0.10 < stale[w["status"] == P.STATUSES.index("En Ejecución")].mean() < 0.25


def test_rucs_have_11_digits_and_sunat_check_digit(dataset):
    rucs = pd.concat([dataset.works["contractor_ruc"], dataset.works["supervisor_ruc"]])
    rucs = rucs[rucs != ""]
    assert rucs.str.fullmatch(r"(10|20)\d{9}").all()
    digits = np.array([[int(c) for c in r] for r in rucs])
    check = (11 - (digits[:, :10] * [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).sum(axis=1) % 11) % 10
    assert (check == digits[:, 10]).all()
    contrata = (dataset.works["modality"] == 0) & dataset.works["amount_contract"].notna()
    missing = (dataset.works["contractor_name"][contrata] == "").mean()
    assert 0 < missing < 0.05


def test_some_contractors_have_several_paralysed_works_in_different_districts(dataset):
    w = dataset.works
    paralysed = w[(w["status"] == P.STATUSES.index("Paralizada")) & (w["contractor_ruc"] != "")]
    districts = paralysed.groupby("contractor_ruc")["place"].nunique()
    assert (districts >= 2).sum() >= 5


def test_history_is_monotone_and_ends_at_the_snapshot(dataset, history):
    by_work = history.groupby("row", sort=False)
    for column in ("physical_programmed", "physical_real", "financial"):
        assert (by_work[column].diff().dropna() >= 0).all(), column
    steps = by_work["month"].diff().dropna()
    assert steps.dt.days.between(28, 31).all()
    last = history.groupby("row").tail(1).set_index("row")
    works = dataset.works.loc[last.index]
    assert np.array_equal(last["physical_real"], works["physical_progress"])
    assert np.array_equal(last["financial"], works["financial_progress"])
    assert np.array_equal(last["physical_programmed"], works["physical_programmed"])
    assert np.array_equal(last["amount_accrued"], works["amount_accrued"])
    labels = np.array(P.STATUSES, dtype=object)[works["status"]]
    assert (last["status"].map(fold) == pd.Series(labels, index=last.index).map(fold)).all()
    first = history.groupby("row").head(1).set_index("row")
    start_month = dataset.works.loc[first.index, "start_date"].to_numpy().astype("datetime64[M]")
    assert np.array_equal(first["month"].to_numpy().astype("datetime64[M]"), start_month)


def test_paralysed_works_stay_flat_after_the_paralysis(dataset, history):
    w = dataset.works
    paralysed = np.flatnonzero(w["status"] == P.STATUSES.index("Paralizada"))
    rows = history[history["row"].isin(paralysed)]
    since = w["paralysis_date"].to_numpy()[rows["row"]].astype("datetime64[M]") + 1
    after = rows[rows["month"].to_numpy().astype("datetime64[M]") >= since]
    assert len(after) > 0
    final = w["physical_progress"].to_numpy()[after["row"]]
    assert np.array_equal(after["physical_real"], final)
    assert (after["status"] == "Paralizada").all()


def test_bad_rows_are_there_at_the_expected_rate(dataset, table):
    report = dataset.summary["filas_defectuosas"]
    counts = {kind: len(rows) for kind, rows in report.items()}
    assert sum(counts.values()) == round(P.BAD_ROW_SHARE * WORKS)
    assert max(counts.values()) - min(counts.values()) <= 1
    row = {kind: [r["fila"] - HEADER_ROW - 1 for r in rows] for kind, rows in report.items()}
    assert set(table.loc[row["distrito_desconocido"], "Distrito"]) <= {"", "NO DEFINIDO"}
    for text in table.loc[row["fecha_invalida"], "Fecha de inicio de obra"]:
        with pytest.raises(ValueError):
            parse_date(text)
    amounts = table.loc[row["monto_negativo"], "Monto aprobado en soles"].map(parse_decimal)
    assert (amounts < 0).all()
    codes = table["Código INFOBRAS"]
    assert codes.duplicated().sum() == counts["codigo_duplicado"]
    assert codes[row["codigo_duplicado"]].isin(codes.drop(index=row["codigo_duplicado"])).all()


def test_every_other_row_matches_its_district_by_name(dataset, table, places, bad):
    matcher = DistrictMatcher(places[["ubigeo", "department_inei", "province_inei",
                                      "district_inei"]].itertuples(index=False, name=None))
    expected = places["ubigeo"].to_numpy()[dataset.works["place"]]
    variants = set(dataset.edits.loc[~dataset.edits["bad"], "position"])
    assert sum(dataset.summary["variantes_de_nombre"].values()) == len(variants) > 0
    unknown = {r["fila"] - HEADER_ROW - 1
               for r in dataset.summary["filas_defectuosas"]["distrito_desconocido"]}
    for i, (dep, prov, dist) in enumerate(zip(table["Departamento"], table["Provincia"],
                                              table["Distrito"], strict=True)):
        found = matcher.match(dep, prov, dist)
        if i in unknown:
            assert found is None
        else:
            assert found is not None and found.ubigeo == expected[i], (dep, prov, dist)


def test_cli_writes_the_files(tmp_path):
    assert main(["--works", "300", "--seed", "1", "--out", str(tmp_path), "--format", "csv"]) == 0
    assert (tmp_path / f"{EXPORT_STEM}.csv").exists()
    assert not (tmp_path / f"{EXPORT_STEM}.xlsx").exists()
    assert (tmp_path / HISTORY_FILE).exists() and (tmp_path / SUMMARY_FILE).exists()
    assert (tmp_path / COORDS_FILE).exists()
    with pytest.raises(SystemExit):
        main(["--works", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["--works", "10", "--out", str(tmp_path), "--as-of", "31/10/2026"])


# -- the geolocation file -------------------------------------------------------------------
@pytest.fixture(scope="module")
def located(dataset, places) -> pd.DataFrame:
    """The geolocation rows of real works (not the invented codes), with the district each
    work is declared in, its capital and the distance to it."""
    rows = dataset.locations[dataset.locations["position"] >= 0].copy()
    place = places.iloc[dataset.works["place"].to_numpy()[rows["position"]]]
    rows["own"] = place["ubigeo"].to_numpy()
    rows["area_km2"] = place["area_km2"].to_numpy()
    lat0, lon0 = place["lat"].to_numpy(), place["lon"].to_numpy()
    rows["capital_inside"] = districts().at(lon0, lat0) == rows["own"].to_numpy()
    rows["metres"] = METRES_PER_DEGREE * np.hypot(
        rows["lat"] - lat0, (rows["lon"] - lon0) * np.cos(np.radians(lat0)))
    return rows


def test_coords_file_has_its_columns_and_the_summary_counts(written):
    paths = written[0]
    table = pd.read_csv(paths["coords"], dtype=str, keep_default_na=False)
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))["ubicaciones"]
    assert tuple(table.columns) == COORDS_COLUMNS
    assert len(table) == summary["filas"]
    assert set(table["Fuente"]) == set(summary["fuentes"]) == {"INFOBRAS", "INVIERTE.PE"}
    assert table["Latitud"].str.fullmatch(r"-?\d+\.\d{6}").all()
    export = pd.read_csv(paths["csv"], header=HEADER_ROW - 1, dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    invented = {r["codigo"] for r in summary["filas_defectuosas"]["codigo_desconocido"]}
    assert invented and not invented & set(export["Código INFOBRAS"].astype(int))
    assert set(table["Código INFOBRAS"].astype(int)) - invented <= set(
        export["Código INFOBRAS"].astype(int))


def test_most_works_have_a_point_older_finished_ones_less_often(dataset, located):
    works = dataset.works
    has = np.zeros(len(works), bool)
    has[located["position"]] = True
    share = has.mean()
    assert 0.75 < share < 0.95
    year = works["start_date"].dt.year
    finished = works["status"] == P.STATUSES.index("Finalizado")
    old, recent = has[finished & (year < 2017)].mean(), has[year >= 2017].mean()
    assert old < recent - 0.3
    invierte = (located["source"] == "INVIERTE.PE").mean()
    assert 0.005 < invierte < 0.03           # PARALIZADAS: 16 of 1,151


def test_points_sit_around_the_capital_most_inside_their_district(located):
    good = located[located["kind"] == ""]
    radius = 1000 * np.sqrt(good["area_km2"].fillna(P.AREA_KM2_DEFAULT) / np.pi)
    assert (good["metres"] <= 1.6 * radius + 1).all()
    assert good["metres"].median() < 0.25 * radius.median()
    assert (good["metres"] > 1).mean() > 0.95     # not stacked on the capital
    assert (good["at"] == good["own"]).mean() > 0.88
    # Where the capital lies inside its own polygon, only the works pushed across the border
    # are outside it, and all of them in a neighbouring district (none at sea or abroad).
    normal = good[good["capital_inside"]]
    neighbour = (normal["at"] != normal["own"]).mean()
    assert 0.6 * P.CROSS_BORDER_SHARE < neighbour <= P.CROSS_BORDER_SHARE + 0.005
    assert (normal["at"] != "").all()
    assert (good["at"] == "").mean() < 0.01
    # the generator's idea of the district agrees with the polygons
    sample = good.sample(200, random_state=1)
    assert (districts().at(sample["lon"].to_numpy(), sample["lat"].to_numpy())
            == sample["at"].to_numpy()).all()


def test_broken_coords_rows_are_broken_as_the_summary_says(dataset):
    rows = dataset.locations
    report = dataset.summary["ubicaciones"]["filas_defectuosas"]
    counts = {kind: len(found) for kind, found in report.items()}
    assert set(counts) == set(P.COORDS_BAD_KINDS)
    assert sum(counts.values()) == round(P.COORDS_BAD_SHARE * (len(rows)))
    assert max(counts.values()) - min(counts.values()) <= 1
    expected = {"invertidas": "coordenadas_invertidas", "cero": "coordenadas_en_cero",
                "fuera_del_peru": "fuera_del_peru"}
    for kind, found in report.items():
        bad = rows.loc[[r["fila"] - 2 for r in found]]
        assert (bad["kind"] == kind).all() and (bad["infobras_code"] == [
            r["codigo"] for r in found]).all()
        for lon, lat in zip(bad["lon"], bad["lat"], strict=True):
            point, problem = surveyed_point(float(lon), float(lat))
            if kind in expected:
                assert problem.code == expected[kind], (kind, lon, lat)
            else:   # inside Peru's box: the polygons must refuse it (sea, Bolivia)
                assert problem is None and kind in ("fuera_de_distritos", "codigo_desconocido")
        if kind == "fuera_de_distritos":
            assert (districts().at(bad["lon"].to_numpy(), bad["lat"].to_numpy()) == "").all()
    good = rows[rows["kind"] == ""]
    assert all(surveyed_point(lon, lat)[1] is None for lon, lat in zip(good["lon"], good["lat"],
                                                                      strict=True))


# -- the other sources: MEF Banco de Inversiones, CONOSCE, CGR control reports ---------------
# Each is compared with the real file's own header (read here from ../shared/data) and checked
# with pandas on the written file, not with the generator's code.
BANCO_REAL = SHARED / "mef" / "banco_inversiones_callao.xlsx"
CONOSCE_REAL = SHARED / "seace" / "conosce_contrataciones_2019_cusco_madre_de_dios.csv.gz"
CGR_REAL = SHARED / "cgr" / "informes_control_2019_2022.csv"
needs_shared = pytest.mark.skipif(not BANCO_REAL.exists(), reason="needs ../shared/data")
US_DATE = re.compile(r"(1[0-2]|[1-9])/(3[01]|[12]\d|[1-9])/\d{4}")


@pytest.fixture(scope="module")
def sources(written, places):
    """The first written dataset's works (typed) and its three other files, read as text."""
    paths = written[0]
    works = generate(1_500, seed=5, places=places).works
    banco = pd.read_excel(paths["banco"], dtype=object)
    conosce = pd.read_csv(paths["conosce"], dtype=str, keep_default_na=False)
    control = pd.read_csv(paths["control"], dtype=str, keep_default_na=False,
                          encoding="utf-8-sig")
    return works, banco, conosce, control


@needs_shared
def test_each_source_has_the_real_files_columns(written):
    paths = written[0]
    real = pd.read_excel(BANCO_REAL, nrows=0).columns.tolist()
    assert openpyxl.load_workbook(paths["banco"], read_only=True).active.max_column == len(real)
    assert pd.read_excel(paths["banco"], nrows=0).columns.tolist() == real
    assert pd.read_csv(paths["conosce"], nrows=0).columns.tolist() == pd.read_csv(
        CONOSCE_REAL, nrows=0).columns.tolist()
    assert pd.read_csv(paths["control"], nrows=0, encoding="utf-8-sig").columns.tolist() == (
        pd.read_csv(CGR_REAL, nrows=0, encoding="utf-8-sig").columns.tolist())
    assert paths["control"].read_bytes()[:3] == b"\xef\xbb\xbf"          # UTF-8 with BOM
    assert paths["conosce"].read_bytes()[:3] != b"\xef\xbb\xbf"


def test_banco_cells_are_typed_as_the_mef_writes_them(sources):
    _, banco, _, _ = sources
    for column in ("Código único de inversión", "Ubigeo"):
        assert banco[column].map(type).eq(int).all(), column
    assert banco["Monto viable"].map(lambda v: isinstance(v, int | float)).all()
    assert (banco["Ubigeo"] < 1_000_000).all() and (banco["Ubigeo"] < 100_000).any()
    for column in ("Fecha de registro", "Fecha de viabilidad"):
        assert banco[column].dropna().str.fullmatch(r"\d{2}/\d{2}/\d{4}").all(), column
    assert set(banco["Estado de la inversión"]) == {"ACTIVO", "CERRADO"}


def test_investments_are_a_superset_of_the_works_one_row_per_cui_and_district(sources):
    works, banco, _, _ = sources
    cui = banco["Código único de inversión"].astype(str)
    assert set(works["cui"]) <= set(cui)
    assert not banco.duplicated(["Código único de inversión", "Ubigeo"]).any()
    investments = banco.drop_duplicates("Código único de inversión")
    assert 1.2 <= len(investments) / len(works) <= 1.3           # ~25 % without a work
    spread = cui.value_counts()
    assert 0.02 < (spread > 1).mean() < 0.1 and spread.max() <= 3
    several = banco[cui.isin(spread[spread > 1].index)]
    per_cui = several.groupby("Código único de inversión")
    assert (per_cui["Monto viable"].nunique() == 1).all()           # amounts repeat, not split
    assert (per_cui["Ubigeo"].apply(lambda u: len({x // 100 for x in u})) == 1).all()
    first = works.drop_duplicates("cui").set_index("cui")
    mine = investments.set_index(investments["Código único de inversión"].astype(str))
    mine = mine.loc[first.index]
    assert (mine["Entidad"] == first["entity"]).all()
    ratio = mine["Monto viable"].astype(float) / first["amount_viable"]
    assert (ratio.round(6) == 1).mean() > 0.9 and (abs(ratio - 1) > 0.15).sum() > 10


def test_banco_is_csv_above_its_row_limit(tmp_path, dataset, monkeypatch):
    from geodata.demo import investments

    monkeypatch.setattr(investments, "XLSX_MAX_ROWS", 10)
    (tmp_path / f"{investments.STEM}.xlsx").write_text("stale", encoding="utf-8")
    path = investments.write_banco(dataset.investments.head(50), dataset.places, tmp_path)
    assert path.suffix == ".csv" and not (tmp_path / f"{investments.STEM}.xlsx").exists()
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert len(table) == 50 and table["Ubigeo"].str.fullmatch(r"[1-9]\d{4,5}").all()


def test_conosce_repeats_rows_as_the_real_join_does(sources):
    works, _, conosce, _ = sources
    dates = [c for c in conosce.columns if c.startswith("fecha") and c not in (
        "fechapenalidad", "fecha_corte", "fecha_inicio", "fecha_fin")]
    for column in dates:
        filled = conosce[column][conosce[column] != ""]
        assert filled.str.fullmatch(US_DATE).all(), column
    item = ["codigoconvocatoria", "n_item"]
    bidders = conosce.groupby(item)["ruc_codigo_postor"].nunique()
    assert (bidders > 1).any() and (bidders == 1).any()
    assert (conosce.groupby(item)["montoreferencial"].nunique() == 1).all()
    penalised = conosce[conosce["tipopenalidad"] != ""]
    assert penalised["idcontrato"].eq(penalised["n_cod_contrato"]).all()
    assert penalised["fechapenalidad"].str.fullmatch(r"\d{2}/\d{2}/\d{2}").all()
    # a contract with two penalties and two bidders shows on (at least) four rows
    per_contract = penalised.groupby("n_cod_contrato").agg(
        p=("fechapenalidad", "nunique"), b=("ruc_codigo_postor", "nunique"),
        rows=("entidad", "size"))
    several = per_contract[(per_contract["p"] > 1) & (per_contract["b"] > 1)]
    assert len(several) and (several["rows"] >= several["p"] * several["b"]).all()
    sanctioned = conosce[conosce["numero_resolucion"] != ""]
    assert len(sanctioned) and (sanctioned["nombre_razonodenominacionsocial"]
                                == sanctioned["proveedor"]).all()
    assert set(conosce["objetocontractual"]) >= {"Obra", "Bien", "Servicio"}


def test_works_processes_name_the_cui_and_the_contractor_wins(sources):
    works, _, conosce, _ = sources
    obras = conosce[conosce["objetocontractual"] == "Obra"].drop_duplicates(
        "codigoconvocatoria")
    obras = obras.assign(cui=obras["descripcion_proceso"].str.extract(r"(\d{7})$")[0])
    assert obras["cui"].notna().all()
    contrata = works[works["modality"] == P.MODALITIES.index("Contrata")]
    named = obras.merge(contrata, left_on=["cui", "ruc_proveedor"],
                        right_on=["cui", "contractor_ruc"], how="left")
    assert named["contractor_ruc"].notna().all()          # a Contrata work of that CUI won it
    assert (named["proveedor"] == named["contractor_name"]).all()
    assert (named["entidad"] == named["entity"]).all()
    contract = named["monto_contratado_total"].astype(float)
    assert np.isclose(contract, named["amount_contract"]).mean() > 0.9
    single = conosce[conosce["objetocontractual"] == "Obra"].groupby(
        "codigoconvocatoria")["ruc_codigo_postor"].nunique()
    assert 0.2 < (single == 1).mean() < 0.5


@needs_shared
def test_control_reports_name_works_entities_and_regions_as_the_register_does(sources):
    works, _, _, control = sources
    assert set(control["entidad"]) <= set(works["entity"])
    regions = set(pd.read_csv(CGR_REAL, dtype=str, encoding="utf-8-sig")["región"])
    assert set(control["región"]) <= regions
    for column in ("fechaemisión", "fechaconclusión", "fechapublicación"):
        assert control[column].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all(), column
    assert control["informe"].str.fullmatch(r"https://\S+\.pdf \d{4}CPO\d{9}").all()
    assert control["informe"].is_unique and control["ndeinforme"].is_unique
    names_of = works.groupby("entity")["name"].agg(set)
    naming = control[[any(n in t for n in names_of[e]) for e, t in zip(
        control["entidad"], control["títulodelinforme"], strict=True)]]
    assert 0.1 < len(naming) / len(control) < 0.5


@needs_shared
def test_demo_codes_never_pass_for_real_ones(sources):
    """A demo investment, process or contract loaded beside the real files must never link to
    a real work: their CUIs and SEACE codes lie outside the real files' ranges."""
    works, banco, conosce, _ = sources
    real_cuis = set(pd.read_csv(PARALIZADAS_CSV, dtype=str)["cui"].dropna().str.split(".").str[0])
    real_cuis |= set(pd.read_excel(BANCO_REAL, dtype=str)["Código único de inversión"]
                     .dropna().str.split(".").str[0])
    demo_cuis = set(banco["Código único de inversión"].astype(str)) | set(works["cui"])
    assert demo_cuis and not demo_cuis & real_cuis
    assert max(int(c) for c in real_cuis) < P.CUI_RANGE[0]
    real = pd.read_csv(CONOSCE_REAL, dtype=str, usecols=["codigoconvocatoria", "n_cod_contrato"])
    for column in ("codigoconvocatoria", "n_cod_contrato"):
        demo = set(conosce[column]) - {""}
        assert demo and not demo & set(real[column].dropna()), column
