"""The Account Upsell platform's domain code: the landing contract, settings, warehouse
access, ingestion, sample data, data-quality suites and serving. It does not import Dagster
(the CLI's `run` and `train` start the code location's jobs in `orchestration/`, lazily)."""
