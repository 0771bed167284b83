"""Segments: a safe rule language over people, previews, and materialised memberships."""
