"""The marketing calendar: 节气, festivals, commerce days and the brand's own dates."""
