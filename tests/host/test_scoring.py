"""`python -m scoring` (host tier): CSV and Parquet files scored on one machine and on a local Dask
cluster of two worker processes, byte for byte the same files, the same as the page's and the
server's CSV module writes; rejected rows named by file and row; a tampered bundle refused by every
Dask worker; clear errors, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from py_pipeline import Registry, csv_io
from py_pipeline.bundle import manifest_sha256
from scoring.cluster import check_workers

from ..support.paths import ROOT

HEADER = "Product type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min],id"


def sensor_rows(n: int, start: int = 0) -> list[str]:
    return [f"{'LMH'[i % 3]},{296 + i % 7},{306 + i % 9},{1300 + 37 * (i % 40)},{20 + (i * 7) % 55},{(i * 13) % 240},"
            f"\"id {i}, batch\"" for i in range(start, start + n)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two CSV files of one set, with bad rows in each, and the same rows as Parquet."""
    folder = tmp_path_factory.mktemp("logs")
    first, second = sensor_rows(6000), sensor_rows(3000, 6000)
    first[10] = "L,298,308,fast,40,10,x"
    first[4321] = "Q,298,308,1500,40,10,y"
    second[7] = "M,298,,1500,40,10,z"
    (folder / "a.csv").write_text(HEADER + "\n" + "\n".join(first) + "\n")
    (folder / "b.csv").write_text(HEADER + "\r\n" + "\r\n".join(second) + "\r\n")
    parquet = tmp_path_factory.mktemp("parquet")
    good = pd.read_csv(folder / "a.csv").iloc[[i for i in range(6000) if i not in (10, 4321)]]
    good.to_parquet(parquet / "a.parquet", row_group_size=1000)
    return folder, parquet


def score(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args, "--no-progress"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_one_machine_and_a_dask_cluster_write_the_same_files(files, tmp_path, model_dir):
    folder, _ = files
    local = score("machine_failure", str(folder), "--out", str(tmp_path / "local.csv"), "--models", str(model_dir),
                  "--chunk-rows", "2500")
    assert local.returncode == 0, local.stderr
    assert "9,000 rows: 8,997 scored, 3 rejected" in local.stderr
    dask = score("machine_failure", str(folder / "*.csv"), "--out", str(tmp_path / "dask.csv"), "--models",
                 str(model_dir), "--local-cluster", "2", "--blocksize", "100KB")
    assert dask.returncode == 0, dask.stderr
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    assert (tmp_path / "local.errors.csv").read_bytes() == (tmp_path / "dask.errors.csv").read_bytes()
    errors = pd.read_csv(tmp_path / "local.errors.csv")
    # rows count from 1 after the header, lines from the header: the same numbers on every path
    assert [(f.rsplit("/", 1)[1], r, n, c) for f, r, n, c in zip(errors.file, errors.row, errors.line, errors.field)] \
        == [("a.csv", 11, 12, "rotational_speed_rpm"), ("a.csv", 4322, 4323, "product_type"),
            ("b.csv", 8, 9, "process_temperature_k")]
    assert errors.problem[2] == "line 9 (row 8), field 'process_temperature_k': expected a number (K) between 250 " \
                                "and 400, got an empty cell"
    # the page's and the server's CSV module write the very same result for a file
    model = Registry.from_directory(model_dir).get("machine_failure")
    scoring = csv_io.Scoring((folder / "a.csv").read_bytes(), model)
    while scoring.step(5000)["done"] < scoring.total:
        pass
    page = scoring.result_csv()
    assert (tmp_path / "local.csv").read_bytes().decode().startswith(page)
    assert '"id 0, batch"' in page.splitlines()[1]  # extra columns pass through, quoted as they were


def test_parquet_is_scored_alike_on_both_paths(files, tmp_path, model_dir):
    _, parquet = files
    assert score("machine_failure", str(parquet), "--out", str(tmp_path / "local.parquet"), "--models",
                 str(model_dir)).returncode == 0
    dask = score("machine_failure", str(parquet), "--out", str(tmp_path / "dask.parquet"), "--models", str(model_dir),
                 "--local-cluster", "2")
    assert dask.returncode == 0, dask.stderr
    local = pd.read_parquet(tmp_path / "local.parquet")
    assert pd.read_parquet(tmp_path / "dask.parquet").reset_index(drop=True).equals(local)
    assert len(local) == 5998 and local["Tool wear [min]"].dtype == "int64"  # typed columns stay typed
    assert (local.probability_failure + local.probability_no_failure).round(6).eq(1).all()


def test_a_tampered_bundle_is_refused_by_every_worker(tmp_path, model_dir):
    from distributed import Client, LocalCluster

    bundle = tmp_path / "machine_failure" / "1.1.0"
    shutil.copytree(model_dir / "machine_failure" / "1.1.0", bundle)
    sha = manifest_sha256(bundle)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert check_workers(client, bundle, sha) == {}
        # a model file changed on the shared disk, manifest intact: every worker's load refuses it
        fresh = tmp_path / "m" / "1.1.0"
        shutil.copytree(bundle, fresh)
        model_file = max((p for p in fresh.iterdir() if p.name != "manifest.json"), key=lambda p: p.stat().st_size)
        model_file.write_bytes(model_file.read_bytes()[:-8] + b"tampered")
        refused = check_workers(client, fresh, sha)
        assert len(refused) == 2 and all("IntegrityError" in why for why in refused.values()), refused
        # a manifest changed after the client read it: refused by its sha256
        manifest = bundle / "manifest.json"
        manifest.write_text(manifest.read_text().replace("gradient boosting", "gradient boosting!"))
        fresh = tmp_path / "n" / "1.1.0"
        shutil.copytree(bundle, fresh)
        refused = check_workers(client, fresh, sha)
        assert len(refused) == 2 and all("is not the one the client sent" in why for why in refused.values())


@pytest.mark.parametrize("args, words", [
    (["nope", "{folder}"], "no model named 'nope'"),
    (["machine_failure@9.9.9", "{folder}"], "model 'machine_failure' has no version '9.9.9'"),
    (["machine_failure", "{folder}/none-*.csv"], "names no CSV or Parquet file"),
    (["iris", "{folder}"], "the file has no column for sepal_length_cm"),
])
def test_wrong_models_files_and_columns_are_named_without_a_traceback(files, tmp_path, model_dir, args, words):
    folder, _ = files
    done = score(*[a.format(folder=folder) for a in args], "--out", str(tmp_path / "o.csv"), "--models",
                 str(model_dir))
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
