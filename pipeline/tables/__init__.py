"""The output tables: their contract (:mod:`~pipeline.tables.schema`, SCHEMA.md's columns),
how they are written (:mod:`~pipeline.tables.writers`: CSV, DuckDB, Parquet, atomically) and
read back (:mod:`~pipeline.tables.queries`)."""
