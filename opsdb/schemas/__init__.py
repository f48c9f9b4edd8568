"""Pydantic models of every entity, one module per entity group."""
