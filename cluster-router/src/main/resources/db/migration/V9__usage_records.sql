-- Metering (issue 13, docs/billing.md). A task attempt's reservation is metered from admission to
-- release, by this database's clock. Each interval becomes a usage record written in the same
-- statement that releases (or, hourly, cuts) the reservation, so a crash neither loses nor
-- invents one; the records are then published to meridian.usage.v1 (the outbox) and kept as the
-- reservation history billing reconciles against.
alter table admissions add column metered_until timestamptz;

alter table attempts add column reserved_from timestamptz;
alter table attempts add column reserved_until timestamptz;

create table usage_records (
  record_id    text        primary key,
  org_id       text        not null,
  project      text        not null,
  domain       text        not null,
  execution_id text        not null,
  node_id      text,
  attempt_id   text        not null,
  cluster      text,
  gpu_type     text,
  gpus         int         not null,
  milli_cpu    bigint      not null,
  memory_mib   bigint      not null,
  started_at   timestamptz not null,
  ended_at     timestamptz not null,
  final        boolean     not null,
  -- A router that took the record to publish it; another may take it over after the lease.
  leased_until timestamptz,
  published_at timestamptz
);
create index usage_records_unpublished on usage_records (started_at) where published_at is null;
create index usage_records_by_end on usage_records (ended_at);
-- The cut of long reservations looks for the ones metered longest ago.
create index admissions_metering on admissions (coalesce(metered_until, admitted_at)) where state = 'ADMITTED' and kind = 'TASK';
