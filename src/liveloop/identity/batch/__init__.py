"""OneID as a batch: the whole identity graph recomputed as people, on DuckDB or Spark.

``run.recompute_exports`` is the entry point (published as ``identity.service.recompute_people``):
observations from a brand's exports (``observations``), the recompute (``recompute``, using
``components`` and ``conflicts``) and, when the directory holds the planted truth, its
accuracy (``accuracy``). The engine is the caller's (``engine``): identity opens none.
"""
