"""The BigQuery path end to end: `meltano run tap-alma target-bigquery` into a local BigQuery emulator.

The real target-bigquery plugin, unmodified, through the real Meltano CLI. Its exit code proves nothing
(it exits 0 after failed loads), so every assertion counts or reads rows in the emulator.
"""

from __future__ import annotations

import pytest
from pipeline_harness import STREAMS, MeltanoProject, expected_counts

DATASET = "alma_raw_e2e"


@pytest.fixture(scope="module")
def bq_project(sandbox, bigquery_emulator, tmp_path_factory) -> MeltanoProject:
    env = {
        **bigquery_emulator.env(),
        "BIGQUERY_PROJECT": bigquery_emulator.project,
        "BIGQUERY_LOCATION": "US",
        "TARGET_BIGQUERY_DATASET": DATASET,
    }
    return MeltanoProject(tmp_path_factory.mktemp("meltano-bq"), sandbox, env)


def _load(project: MeltanoProject, bq) -> dict[str, int]:
    project.run("--environment=bigquery-emulator", "run", "tap-alma", "target-bigquery")
    return {stream: bq.row_count(DATASET, stream) for stream in STREAMS}


@pytest.fixture(scope="module")
def first_load(bq_project, bigquery_emulator):
    return _load(bq_project, bigquery_emulator)


@pytest.fixture(scope="module")
def second_load(first_load, bq_project, bigquery_emulator):
    return _load(bq_project, bigquery_emulator)


def test_every_stream_lands_with_the_ground_truth_row_count(first_load, sandbox):
    # The tap's default school_years is "current" (meltano.yml sets "all" only in dev).
    assert first_load == expected_counts(sandbox, school_years="current")


def test_a_second_run_duplicates_nothing(first_load, second_load):
    assert second_load == first_load


def test_race_and_languages_land_as_repeated_columns_with_alma_values(first_load, bigquery_emulator, sandbox):
    columns = {c.name: c for c in bigquery_emulator.columns(DATASET, "students")}
    assert (columns["race"].type, columns["race"].mode) == ("STRING", "REPEATED")
    assert (columns["languages"].type, columns["languages"].mode) == ("STRING", "REPEATED")

    rows = bigquery_emulator.query(
        f"SELECT school, schoolYearId, id, race, languages FROM `{DATASET}.students`"
    )
    loaded = {(r["school"], r["schoolYearId"], r["id"]): (r["race"], r["languages"]) for r in rows}
    expected = {
        (s["school"], s["schoolYearId"], s["id"]): (s.get("race") or [], s.get("languages") or [])
        for s in sandbox.data.expected_records("students", school_years="current")
    }
    assert loaded == expected
    assert any(len(race) > 1 for race, _ in expected.values()), "ground truth should include multi-race students"


def test_a_changed_record_is_updated_in_place(second_load, bq_project, bigquery_emulator, sandbox):
    school = sandbox.data.school_slugs()[-1]
    year_id = sandbox.data.current_school_year(school)["id"].strip()
    student_id = sandbox.data.students(school, year_id)[0]["id"].strip()
    sandbox.data.rename_student(school, student_id, last_name="Updatedlast")

    assert _load(bq_project, bigquery_emulator) == second_load
    rows = bigquery_emulator.query(
        f"SELECT lastName FROM `{DATASET}.students` "
        f"WHERE school = '{school}' AND id = '{student_id}' AND schoolYearId = '{year_id}'"
    )
    assert [r["lastName"] for r in rows] == ["Updatedlast"]
