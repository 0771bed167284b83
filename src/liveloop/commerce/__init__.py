"""Commerce: catalog, orders, payments, coupons, memberships."""
