{{ config(**snapshot_increments()) }}
-- The feature table's population: the accounts paying (MRR > 0, as known then) at each
-- month-end snapshot, with their state and MRR lags. Stored rather than filtered where it is
-- used, so that DuckDB knows its size: it estimates a filtered int_account_states_known_monthly
-- at a fifth of its rows, builds the feature joins' hash tables on the wrong side and runs out
-- of 4 GB at 1M accounts (docs/BENCHMARKS.md).
select *
from {{ ref('int_account_states_known_monthly') }}
where mrr > 0 and {{ unfrozen_snapshots() }}
