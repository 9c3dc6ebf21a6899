"""Flask-side pieces of the tracker: configuration, accounts, access rules and language."""
