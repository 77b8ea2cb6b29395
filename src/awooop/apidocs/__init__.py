"""Offline API documentation: Swagger UI at /docs and ReDoc at /redoc, from vendored files."""
