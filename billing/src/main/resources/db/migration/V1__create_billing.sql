-- Billing (issue 13, docs/billing.md). Usage records arrive from the router exactly once: each is
-- inserted under its record id, and the consumer's offsets are written in the same transaction.
create table usage_records (
  record_id    text        primary key,
  org_id       text        not null,
  project      text        not null,
  domain       text        not null,
  execution_id text        not null,
  node_id      text,
  attempt_id   text        not null,
  cluster      text        not null,
  gpu_type     text        not null,
  gpus         int         not null,
  milli_cpu    bigint      not null,
  memory_mib   bigint      not null,
  started_at   timestamptz not null,
  ended_at     timestamptz not null,
  final        boolean     not null,
  ingested_at  timestamptz not null default now()
);
create index usage_records_by_end on usage_records (ended_at);

-- Where the consumer goes on: the next offset of each partition, moved in the transaction that
-- stored the records before it.
create table consumer_offsets (
  topic       text   not null,
  partition   int    not null,
  next_offset bigint not null,
  primary key (topic, partition)
);

-- The aggregates, in exact integers: GPU-milliseconds, millicore-milliseconds, MiB-milliseconds,
-- per event-time hour, and the month whose invoice carries them (the event's month while it is
-- open; a later one for usage metered after its month closed).
create table usage_hourly (
  org_id        text        not null,
  project       text        not null,
  cluster       text        not null,
  gpu_type      text        not null,
  hour          timestamptz not null,
  billed_period date        not null,
  gpu_ms        bigint      not null,
  millicore_ms  bigint      not null,
  mib_ms        bigint      not null,
  primary key (org_id, hour, project, cluster, gpu_type, billed_period)
);
create index usage_hourly_by_period on usage_hourly (org_id, billed_period);

create table closed_periods (
  period    date        primary key,
  closed_at timestamptz not null
);

-- The price book: minor units of the currency per unit-hour (GPU-hour of a type, core-hour,
-- GiB-hour). org_id '' is the default plan; an org's row overrides it. 'gpu:*' prices any GPU
-- type without a price of its own.
create table prices (
  org_id           text   not null,
  resource         text   not null,
  unit_price_minor bigint not null check (unit_price_minor >= 0),
  primary key (org_id, resource)
);
insert into prices (org_id, resource, unit_price_minor) values ('', 'gpu:*', 250), ('', 'cpu', 4), ('', 'memory', 1);

-- Closed invoices: written once when their month closes, never changed.
create table invoices (
  org_id      text        not null,
  period      date        not null,
  currency    text        not null,
  total_minor bigint      not null,
  closed_at   timestamptz not null,
  primary key (org_id, period)
);

create table invoice_lines (
  org_id           text   not null,
  period           date   not null,
  line             int    not null,
  project          text   not null,
  resource         text   not null,
  quantity         bigint not null,
  unit_price_minor bigint not null,
  amount_minor     bigint not null,
  adjustment_for   date,
  primary key (org_id, period, line),
  foreign key (org_id, period) references invoices (org_id, period)
);

create function closed_invoices_are_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'a closed invoice never changes (% %)', tg_table_name, tg_op;
end $$;
create trigger invoices_immutable before update or delete on invoices
  for each row execute function closed_invoices_are_immutable();
create trigger invoice_lines_immutable before update or delete on invoice_lines
  for each row execute function closed_invoices_are_immutable();
