"""The demo week: a timeline of real API calls loaded into project ``demo`` (``awooop demo``).

Started by the CLI, which passes in the app to drive: the demo sits beside ``awooop.app``, never
above it (``importlinter`` contracts in pyproject.toml)."""
