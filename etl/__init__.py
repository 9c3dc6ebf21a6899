"""Quarterly submissions: read -> validate -> load, and the review workflow."""
