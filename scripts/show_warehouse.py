"""Show what a load produced: every table with its row count, then a glimpse of the reporting marts."""

from __future__ import annotations

import os
import sys

import duckdb

RAW = os.environ.get("ALMA_RAW_SCHEMA", "alma_raw")
ANALYTICS = os.environ.get("ALMA_ANALYTICS_SCHEMA", "alma_analytics")
# Aggregates only: the demo shows what landed without printing anyone's record.
GLIMPSES = {
    "student_roster": """
        SELECT school, school_year_name, grade_level, count(*) AS students
        FROM "{schema}".student_roster
        GROUP BY school, school_year_name, grade_level
        ORDER BY school, school_year_name, min(coalesce(try_cast(grade_level AS INTEGER), 0))
    """,
    "attendance_monthly": """
        SELECT school, month, sum(school_days) AS student_days,
               round(sum(days_present) / sum(school_days), 4) AS attendance_rate,
               round(sum(days_late) / sum(school_days), 4) AS tardy_rate
        FROM "{schema}".attendance_monthly
        GROUP BY school, month
        ORDER BY school, month
    """,
}


def show(path: str) -> None:
    con = duckdb.connect(path, read_only=True)
    tables = con.execute(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
        "WHERE table_schema IN (?, ?) ORDER BY table_schema, table_name",
        [RAW, ANALYTICS],
    ).fetchall()
    print(f"\nWarehouse {path}\n")
    print(f"{'table':55} {'rows':>10}")
    for schema, name, kind in tables:
        rows = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
        label = f"{schema}.{name}" + (" (view)" if kind == "VIEW" else "")
        print(f"{label:55} {rows:>10,}")
    for mart, sql in GLIMPSES.items():
        print(f"\n{ANALYTICS}.{mart} (aggregated; first 12 rows)")
        con.sql(sql.format(schema=ANALYTICS) + " LIMIT 12").show(max_width=140)


if __name__ == "__main__":
    show(sys.argv[1] if len(sys.argv) > 1 else "output/alma.duckdb")
