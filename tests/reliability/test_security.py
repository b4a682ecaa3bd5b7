"""PII never reaches a mart or the serving file; contact references are salted with a secret
from the environment that appears in no log and no compiled SQL; hostile paths, identifiers
and model files are refused."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import duckdb
import pytest
from sklearn.dummy import DummyClassifier

from ml import registry
from orchestration.dbt.project import DBT_DIR, target_path
from tests.reliability.state import DBT_SECRET, SALT
from upsell.config import TARGETS, Settings
from upsell.errors import UpsellError
from upsell.ingest.loader import load_landing_zone
from upsell.quality.gx_suites import validate_table
from upsell.warehouse import connect


def _pii(clean_run) -> list[str]:
    first = clean_run["deliveries"][0]
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT email, full_name FROM read_csv('{first}/crm_contacts.csv', all_varchar = true)"
    ).fetchall()
    return sorted({v for row in rows for v in row if v})


def _hits(path, schemas, values) -> list[str]:
    """Every text column of every table in ``schemas`` that contains one of ``values``."""
    con = duckdb.connect(str(path), read_only=True)
    con.execute("CREATE TEMP TABLE pii AS SELECT unnest(?) AS v", [values])
    found = []
    columns = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema IN (SELECT unnest(?)) AND data_type = 'VARCHAR'",
        [list(schemas)],
    ).fetchall()
    for schema, table, column in columns:
        n = con.execute(
            f'SELECT count(*) FROM {schema}.{table} t JOIN pii ON contains(t."{column}", pii.v)'
        ).fetchone()[0]
        if n:
            found.append(f"{schema}.{table}.{column}")
    con.close()
    assert columns, "nothing was scanned"
    return found


def test_no_email_or_name_in_any_mart_or_in_the_serving_file(clean_run):
    values = _pii(clean_run)
    assert len(values) > 1000 and any("@" in v for v in values)
    root = Path(clean_run["root"])
    assert _hits(root / "warehouse.duckdb", ("marts", "ml"), values) == []
    assert _hits(root / "serving.duckdb", ("marts", "ml", "meta"), values) == []
    # ...while raw keeps them (it is the audit trail), so the scan can find what it looks for
    assert _hits(root / "warehouse.duckdb", ("raw",), values[:50])


def test_contact_references_are_hashed_with_the_salt_from_the_environment(clean_run):
    con = duckdb.connect(str(Path(clean_run["root"]) / "warehouse.duckdb"), read_only=True)
    salted, unsalted, n = con.execute(
        "SELECT count(*) FILTER (WHERE s.contact_ref = md5(? || lower(trim(r.email)))), "
        "count(*) FILTER (WHERE s.contact_ref = md5(lower(trim(r.email)))), count(*) "
        "FROM staging.stg_crm__contacts s JOIN raw.crm_contacts r USING (contact_id)",
        [SALT],
    ).fetchone()
    con.close()
    assert n > 0 and salted == n and unsalted == 0


def test_no_secret_in_logs_or_dbt_target(crashed_in_dbt):
    root, outputs = Path(crashed_in_dbt["root"]), crashed_in_dbt["outputs"]
    # what dbt wrote for these runs (target/ also keeps other tests' runs)
    written = [
        p
        for place in (DBT_DIR / "target", DBT_DIR / "logs")
        for p in place.rglob("*")
        if p.is_file() and p.stat().st_mtime >= crashed_in_dbt["started"]
    ]
    written += [p for p in (root / "dagster").rglob("*") if p.is_file()]
    assert len(written) > 10
    for secret in (SALT, DBT_SECRET):
        assert all(secret not in out for out in outputs)
        leaked = [str(p) for p in written if secret.encode() in p.read_bytes()]
        assert leaked == [], f"{secret[:4]}... found in {leaked}"
    # this run's engine is DuckDB; the other engines' tests, running at the same time, compile
    # into folders of their own with their own way of reading the salt
    others = [DBT_DIR / target_path(t) for t in TARGETS if t != "duckdb"]
    compiled = [
        p
        for p in written
        if p.name == "stg_crm__contacts.sql" and not any(p.is_relative_to(o) for o in others)
    ]
    assert compiled and all("getvariable('pii_salt')" in p.read_text() for p in compiled)


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("UPSELL_WAREHOUSE", "/etc/upsell/warehouse.duckdb", "outside the allowed roots"),
        ("UPSELL_LANDING_DIR", "data/*/landing", "glob"),
        ("UPSELL_SERVING", "data/../../serving.duckdb", "'..'"),
        ("UPSELL_MODEL_DIR", "models'; DROP TABLE x; --", "quote"),
    ],
)
def test_configured_paths_outside_roots_or_with_globs_are_refused(name, value, says):
    with pytest.raises(UpsellError, match=says) as error:
        Settings.from_env({name: value, "UPSELL_ALLOWED_ROOTS": "."})
    assert name in str(error.value)


def test_identifiers_from_files_never_reach_sql(tmp_path):
    """A hostile column name is data (kept in _extra), an unknown file name is ignored, and a
    table name that is not in the contract is refused before any SQL is built."""
    day = tmp_path / "landing" / "2026-10-31"
    day.mkdir(parents=True)
    hostile = 'note"); DROP TABLE raw.crm_accounts; --'
    header = "account_id,account_name,industry,country,segment,employee_count,billing_currency,"
    (day / "crm_accounts.csv").write_text(
        f'{header}created_at,updated_at,"{hostile.replace(chr(34), chr(34) * 2)}"\n'
        "A1,Acme,retail,DE,smb,10,EUR,2025-01-01T00:00:00Z,2025-01-01T00:00:00Z,hello\n"
    )
    (day / "crm_accounts; DROP TABLE raw.x.csv").write_text("a\n1\n")
    (day / "_SUCCESS").write_bytes(b"")
    con = connect(tmp_path / "warehouse.duckdb")
    report = load_landing_zone(con, tmp_path / "landing", "hostile")
    assert report.loaded
    extra = json.loads(con.execute("SELECT _extra FROM raw.crm_accounts").fetchone()[0])
    assert extra == {hostile: "hello"}
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "crm_accounts" in tables and not any("DROP" in t for t in tables)
    with pytest.raises(KeyError):
        validate_table(con, "crm_accounts; DROP TABLE raw.crm_accounts")
    con.close()


def test_a_tampered_model_file_is_refused(tmp_path):
    model = DummyClassifier(strategy="prior").fit([[0], [1]], [0, 1])
    version = registry.register(tmp_path, model, {"features": {}})
    assert registry.load(tmp_path, version).predict([[0]]) is not None
    path = tmp_path / version / "model.pkl"
    path.write_bytes(pickle.dumps(DummyClassifier(strategy="constant", constant=1).fit([[0]], [1])))
    with pytest.raises(registry.TamperedModel, match="refusing to load"):
        registry.load(tmp_path, version)
