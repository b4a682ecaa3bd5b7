"""The dbt integration: the project and its manifest, the CLI resource and in-process runs,
and the scope of the delivery-scoped data tests; the asset is ``orchestration.defs.transform``."""
