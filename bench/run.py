"""Run every benchmark (``make bench``); each prints its figures and its ratio to a baseline."""

from bench import (
    analytics_run,
    basket_rules,
    channels_send,
    clv_fit,
    content_clips,
    content_search,
    eventlog_append,
    groupbuy_last_slot,
    identity_recompute,
    ingest_batch,
    journey_steps,
    live_processor,
    live_report,
    live_sse,
    live_understand,
    live_webhook,
    loyalty_credit,
    orders_place,
    payments_notify,
    segment_preview,
)

if __name__ == "__main__":
    eventlog_append.main()
    ingest_batch.main()
    identity_recompute.main()
    clv_fit.main()
    basket_rules.main()
    analytics_run.main(1_350_000)
    segment_preview.main()
    channels_send.main()
    journey_steps.main()
    live_understand.main()
    live_processor.main()
    live_webhook.main()
    content_search.main(1_000_000, reuse=False)
    content_clips.main()
    live_sse.main()
    live_report.main()
    orders_place.main()
    payments_notify.main()
    loyalty_credit.main()
    groupbuy_last_slot.main()
