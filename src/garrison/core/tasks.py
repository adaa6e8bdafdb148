"""Periodic jobs of the platform core."""
