"""Pure, typed functions for what the numbers mean (DESIGN.md): no Dash, Flask or SQLAlchemy."""
