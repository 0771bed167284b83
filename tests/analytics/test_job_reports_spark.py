"""Cohorts, funnels, live ROI, leaders and regions give the same reports on Spark as on DuckDB."""

from __future__ import annotations

import pytest

from liveloop.analytics.jobs import cohorts, funnels, leaders, live_roi, regions
from tests.analytics.conftest import same_rows

KEYS = {
    "cohorts": ["cohort", "months_since"],
    "funnels": "live_session_id",  # the overall row's NULL sorts last on both
    "live_roi": "live_session_id",
    "leaders": "leader_id",
    "regions": ["level", "province", "city"],
}


@pytest.mark.spark
def test_report_jobs_agree_on_duckdb_and_spark(duck, spark, context_small):
    for job in (cohorts.JOB, funnels.JOB, live_roi.JOB, leaders.JOB, regions.JOB):
        on_duckdb = job.run(duck, context_small)
        on_spark = job.run(spark, context_small)
        assert on_spark.diagnostics == on_duckdb.diagnostics, job.name
        for report, table in on_duckdb.reports.items():
            assert on_spark.reports[report] == table
            assert duck.scalar(f"SELECT COUNT(*) FROM {table}") > 0, table
            same_rows(duck, spark, table, KEYS[report])
