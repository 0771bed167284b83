"""Payments: WeChat Pay v3 (小程序/JSAPI orders, notifications, refunds, reconciliation)."""
