"""Scene specs: pydantic models, distributions, loading, schema and overrides."""
