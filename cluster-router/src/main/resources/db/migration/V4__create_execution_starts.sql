-- The launch's outbox (ADR 0008). A launch inserts the execution and this row in one transaction,
-- starts the execution's workflow after the commit and then deletes the row; whatever a crash or an
-- unreachable Temporal leaves here is started by the sweeper. Starting is idempotent: the workflow id
-- is derived from the execution id and Temporal answers "already started" to a second start.
create table execution_starts (
  org_id       text        not null,
  execution_id text        not null,
  plan         bytea       not null,
  created_at   timestamptz not null default now(),
  primary key (org_id, execution_id)
);
create index execution_starts_by_age on execution_starts (created_at);
