"""Regional penetration: where our customers live, how many of them buy, and what they spend.

A customer's region is their profile's province and city ('未知' when unknown). Customers are
the people who stand now and existed by ``as_of``; sales are their counted orders placed by
``as_of`` (the orders of an id the customer table lacks count under '未知', so the shares add
up to the whole).

Report ``regions``: a row per province (``level`` 'province', ``city`` NULL), then a row per
city (``level`` 'city'), each by GMV, largest first:

level              VARCHAR  'province' | 'city'
province, city     VARCHAR
customers          BIGINT   customers living there
buyers             BIGINT   of those, customers with a counted order
buyer_share        DOUBLE   buyers / customers: the penetration
orders             BIGINT   counted orders
gmv                DOUBLE   counted orders' totals, yuan
gmv_per_customer   DOUBLE   gmv / customers
gmv_per_buyer      DOUBLE   gmv / buyers
gmv_share          DOUBLE   gmv / all regions' gmv
"""

from __future__ import annotations

from typing import ClassVar

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.measures import counted_orders, money, share

UNKNOWN = "未知"
REPORT = "report_regions"


class Regions:
    name: ClassVar[str] = "regions"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        engine.create(
            "regions_people",
            f"""
            WITH spend AS (
                SELECT customer_id, COUNT(*) AS orders, SUM(total) AS gmv
                FROM ({counted_orders(context)}) counted
                GROUP BY customer_id
            ), people AS (
                SELECT customer_id, COALESCE(NULLIF(province, ''), '{UNKNOWN}') AS province,
                       COALESCE(NULLIF(city, ''), '{UNKNOWN}') AS city
                FROM customers
                WHERE created_at IS NULL OR created_at <= {context.as_of_sql}
            ), strangers AS (
                SELECT s.customer_id, '{UNKNOWN}' AS province, '{UNKNOWN}' AS city
                FROM spend s LEFT JOIN people p ON p.customer_id = s.customer_id
                WHERE p.customer_id IS NULL
            )
            SELECT r.province, r.city, r.customer_id, s.orders, s.gmv
            FROM (SELECT * FROM people UNION ALL SELECT * FROM strangers) r
            LEFT JOIN spend s ON s.customer_id = r.customer_id
            """,
        )
        measures = f"""
            COUNT(*) AS customers,
            COUNT(orders) AS buyers,
            {share("COUNT(orders)", "COUNT(*)")} AS buyer_share,
            CAST(COALESCE(SUM(orders), 0) AS BIGINT) AS orders,
            {money("SUM(gmv)")} AS gmv,
            {share("COALESCE(SUM(gmv), 0)", "COUNT(*)")} AS gmv_per_customer,
            {share("COALESCE(SUM(gmv), 0)", "COUNT(orders)")} AS gmv_per_buyer,
            {share("COALESCE(SUM(gmv), 0)", "MAX(all_gmv)")} AS gmv_share
        """
        engine.create(
            REPORT,
            f"""
            WITH total AS (SELECT SUM(gmv) AS all_gmv FROM regions_people)
            SELECT * FROM (
                SELECT 'province' AS level, province, CAST(NULL AS VARCHAR) AS city, {measures}
                FROM regions_people CROSS JOIN total
                GROUP BY province
                UNION ALL
                SELECT 'city' AS level, province, city, {measures}
                FROM regions_people CROSS JOIN total
                GROUP BY province, city
            ) regions
            ORDER BY CASE WHEN level = 'province' THEN 0 ELSE 1 END, gmv DESC, province, city
            """,
        )
        engine.drop("regions_people")
        provinces, cities, buyers = engine.rows(
            f"""
            SELECT COUNT(CASE WHEN level = 'province' THEN 1 END),
                   COUNT(CASE WHEN level = 'city' THEN 1 END),
                   CAST(SUM(CASE WHEN level = 'province' THEN buyers ELSE 0 END) AS BIGINT)
            FROM {REPORT}
            """
        )[0]
        return JobOutput(
            reports={"regions": REPORT},
            diagnostics={
                "provinces": provinces or 0,
                "cities": cities or 0,
                "buyers": buyers or 0,
            },
        )


JOB = Regions()
