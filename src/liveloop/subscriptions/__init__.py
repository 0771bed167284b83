"""Subscriptions (周期购: weekly milk, monthly rice) and paid memberships (醋文化会员 199 元/年)."""
