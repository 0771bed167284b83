"""The Chinese web console (server-rendered with Jinja2, htmx and ECharts)."""
