"""Dash pages (one module per page) and their shared pieces (`_`-prefixed modules)."""
