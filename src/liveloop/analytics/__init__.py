"""Analytics jobs over the Parquet snapshot, written once and run on DuckDB (default) or Spark.

``engine`` holds the two thin adapters; a job is a sequence of SQL statements in DuckDB's
dialect (transpiled to Spark SQL by SQLGlot) plus, where SQL is the wrong tool, a Python
function applied per group of rows on either engine. ``oneid`` is the first job: the batch
recompute of the identity graph.
"""
