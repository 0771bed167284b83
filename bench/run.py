"""Run every benchmark (``make bench``); each prints its figures and its ratio to a baseline."""

from bench import eventlog_append, identity_recompute, ingest_batch

if __name__ == "__main__":
    eventlog_append.main()
    ingest_batch.main()
    identity_recompute.main()
