"""The JSON API at /api/v1/ (OpenAPI documented) for mobile apps and integrations."""
