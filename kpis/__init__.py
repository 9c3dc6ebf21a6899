"""Pure, typed functions for what the numbers mean (docs/numbers.md): no Dash, Flask, SQLAlchemy."""
