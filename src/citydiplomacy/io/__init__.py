"""Readers and writers (CSV, XLSX, Parquet, JSON); no maths."""
