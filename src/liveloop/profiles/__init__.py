"""Profiles: the person (OneID) and what we know of them."""
