"""Journeys: declarative, versioned automations that move each person through steps."""
