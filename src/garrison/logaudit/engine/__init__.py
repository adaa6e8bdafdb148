"""The log-audit engine: Sigma rules compiled to DuckDB SQL and run over log files.
Pure: no Django import, usable without the database."""
