"""Repurchase, churn, interests and contact give the same rows on Spark as on DuckDB."""

from __future__ import annotations

import pytest

from liveloop.analytics.jobs import churn, clv, contact, interests, repurchase
from tests.analytics.conftest import same_rows

TABLES = {
    "repurchase": ["customer_id", "sku"],
    "scores_churn": "customer_id",
    "scores_interests": "customer_id",
    "tags_interests": ["customer_id", "tag"],
    "scores_contact": "customer_id",
}


@pytest.mark.spark
def test_behaviour_jobs_agree_on_duckdb_and_spark(duck, spark, context_small):
    for engine in (duck, spark):
        repurchase.JOB.run(engine, context_small)
        clv.JOB.run(engine, context_small)
        churn.JOB.run(engine, context_small)
        interests.JOB.run(engine, context_small)
        contact.JOB.run(engine, context_small)
    for table, key in TABLES.items():
        same_rows(duck, spark, table, key)
