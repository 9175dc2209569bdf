-- The admission ledger. A QUEUED row waits for quota; an ADMITTED row is a reservation. One row per
-- task attempt (request_id = attempt id) or per execution (its slot among the org's concurrent
-- executions, request_id = execution id). Deleting the row releases the reservation: it happens once.
create table admissions (
  org_id       text        not null,
  request_id   text        not null,
  kind         text        not null check (kind in ('TASK', 'EXECUTION')),
  project      text        not null,
  execution_id text        not null,
  node_id      text,
  priority     int         not null,
  ready_at     timestamptz not null,
  gpu_type     text,
  gpus         int         not null default 0,
  milli_cpu    bigint      not null default 0,
  memory_mib   bigint      not null default 0,
  executions   int         not null default 0,
  state        text        not null check (state in ('QUEUED', 'ADMITTED')),
  reason       text,
  enqueued_at  timestamptz not null default now(),
  admitted_at  timestamptz,
  primary key (org_id, request_id)
);
-- The queue of one org, per project, in admission order.
create index admissions_queue on admissions (org_id, project, priority desc, ready_at, request_id) where state = 'QUEUED';
create index admissions_org_order on admissions (org_id, priority desc, ready_at, request_id) where state = 'QUEUED';
create index admissions_of_execution on admissions (org_id, execution_id);

create index executions_queued on executions (org_id, project) where phase = 'QUEUED';
