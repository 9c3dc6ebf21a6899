"""The rules of the programme, for every adapter (pages, routes, API, command lines): they take
a session and an `Actor` and import neither Flask nor Dash."""
