"""The real target-bigquery loads into the local BigQuery emulator: typed columns, REPEATED arrays, upsert.

Hand-written Singer messages stand in for the tap here, so a failure points at the warehouse set-up,
not at tap-alma. Every check counts rows in the emulator: target-bigquery exits 0 even when a load
failed, so its exit code proves nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

from bigquery_emulator import BigQueryEmulator, Column

STREAM = "students"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": ["string", "null"]},
        # denormalized: true needs a typed `items` (z3-target-bigquery 0.7.2 raises KeyError: 'type').
        "languages": {"type": ["array", "null"], "items": {"type": "string"}},
        "grade_level": {"type": ["integer", "null"]},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
STUDENTS = [
    {"id": "s-1", "name": "Ada", "languages": ["en", "es"], "grade_level": 3},
    {"id": "s-2", "name": "Ben", "languages": ["en"], "grade_level": 4},
    {"id": "s-3", "name": "Cy", "languages": [], "grade_level": 5},
]


def singer_messages(records: list[dict[str, Any]], extracted_at: str) -> str:
    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["id"]}
    ]
    messages += [
        {
            "type": "RECORD",
            "stream": STREAM,
            "record": record | {"updated_at": extracted_at},
            "time_extracted": extracted_at,
        }
        for record in records
    ]
    messages.append({"type": "STATE", "value": {"bookmarks": {STREAM: {"replication_key_value": extracted_at}}}})
    return "".join(json.dumps(message) + "\n" for message in messages)


def run_target(
    executable: Path, bq: BigQueryEmulator, config: dict[str, Any], messages: str, workdir: Path
) -> None:
    config_path = workdir / f"target-config-{uuid.uuid4().hex[:8]}.json"
    config_path.write_text(json.dumps(config))
    # Nothing of a real Google set-up may leak in: the emulator's env only.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "BIGQUERY_", "TARGET_BIGQUERY_"))}
    env |= bq.env()
    result = subprocess.run(
        [str(executable), "--config", str(config_path)],
        input=messages,
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"target-bigquery failed:\n{result.stderr[-4000:]}"
    # The final STATE comes out even after a failed load; the row counts below are the real check.
    assert '"bookmarks"' in result.stdout, result.stderr[-4000:]


def students_by_id(bq: BigQueryEmulator, dataset: str) -> dict[str, dict[str, Any]]:
    rows = bq.query(f"SELECT id, name, languages, grade_level FROM `{dataset}.{STREAM}` ORDER BY id")
    return {row["id"]: row for row in rows}


def test_target_bigquery_upserts_into_the_emulator(
    bigquery_emulator: BigQueryEmulator, target_bigquery_executable: Path, tmp_path: Path
) -> None:
    bq = bigquery_emulator
    dataset = f"smoke_{uuid.uuid4().hex[:10]}"
    config = bq.target_config(dataset)
    assert config["method"] == "streaming_insert" and config["denormalized"] and config["upsert"]

    # First load: every row, with the array as a REPEATED STRING column.
    run_target(target_bigquery_executable, bq, config, singer_messages(STUDENTS, "2026-12-01T06:00:00Z"), tmp_path)
    assert bq.row_count(dataset, STREAM) == len(STUDENTS)
    columns = {column.name: column for column in bq.columns(dataset, STREAM)}
    assert columns["languages"] == Column("languages", "STRING", "REPEATED")
    assert columns["grade_level"] == Column("grade_level", "INTEGER", "NULLABLE")
    assert columns["updated_at"].type == "TIMESTAMP"
    loaded = students_by_id(bq, dataset)
    assert {sid: row["languages"] for sid, row in loaded.items()} == {
        "s-1": ["en", "es"],
        "s-2": ["en"],
        "s-3": [],
    }
    assert loaded["s-2"]["grade_level"] == 4
    # Upsert stages rows in a temp table and MERGEs it; nothing of that may be left behind.
    assert bq.tables(dataset) == [STREAM]

    # The same load again: MERGE on the key, so no duplicates.
    run_target(target_bigquery_executable, bq, config, singer_messages(STUDENTS, "2026-12-01T06:00:00Z"), tmp_path)
    assert bq.row_count(dataset, STREAM) == len(STUDENTS)

    # A changed record is updated in place; a new one is added; the others are untouched.
    changed = [
        {"id": "s-2", "name": "Benjamin", "languages": ["en", "fr", "ht"], "grade_level": 5},
        {"id": "s-4", "name": "Dee", "languages": ["so"], "grade_level": 1},
    ]
    run_target(target_bigquery_executable, bq, config, singer_messages(changed, "2026-12-02T06:00:00Z"), tmp_path)
    assert bq.row_count(dataset, STREAM) == len(STUDENTS) + 1
    loaded = students_by_id(bq, dataset)
    assert loaded["s-2"] == {"id": "s-2", "name": "Benjamin", "languages": ["en", "fr", "ht"], "grade_level": 5}
    assert loaded["s-4"]["languages"] == ["so"]
    assert loaded["s-1"] == {"id": "s-1", "name": "Ada", "languages": ["en", "es"], "grade_level": 3}
    assert bq.tables(dataset) == [STREAM]


def test_one_load_with_a_key_twice_keeps_the_latest(
    bigquery_emulator: BigQueryEmulator, target_bigquery_executable: Path, tmp_path: Path
) -> None:
    """dedupe_before_upsert: a key seen twice in one run (e.g. a student listed under two schools)."""
    bq = bigquery_emulator
    dataset = f"dedupe_{uuid.uuid4().hex[:10]}"
    earlier = {"id": "s-9", "name": "Old", "languages": ["en"], "grade_level": 2}
    later = {"id": "s-9", "name": "New", "languages": ["es"], "grade_level": 2}
    messages = singer_messages([earlier], "2026-12-01T06:00:00Z") + singer_messages([later], "2026-12-01T07:00:00Z")
    # One stream of messages: the second SCHEMA is identical, as a tap re-sending it would be.
    run_target(target_bigquery_executable, bq, bq.target_config(dataset), messages, tmp_path)
    assert bq.row_count(dataset, STREAM) == 1
    assert students_by_id(bq, dataset)["s-9"]["name"] == "New"
