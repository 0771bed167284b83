"""OneID as a batch job: the whole identity graph recomputed as people, on DuckDB or Spark.

``job.run`` is the entry point: observations from a simulator directory (``observations``),
the recompute (``recompute``, using ``components`` and ``conflicts``) and, when the directory
holds the planted truth, its accuracy (``accuracy``).
"""
