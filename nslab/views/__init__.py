"""Rendering for people (tables) and programs (JSON). Pure."""
