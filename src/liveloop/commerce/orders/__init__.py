"""Orders as a state machine: placing (pricing, coupon, points), paying, shipping, delivering,
confirming, cancelling and refunding (docs/orders.md, decision 0027)."""
