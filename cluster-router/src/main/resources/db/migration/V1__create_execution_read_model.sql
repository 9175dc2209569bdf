create table executions (
  org_id           text        not null,
  execution_id     text        not null,
  project          text        not null,
  domain           text        not null,
  workflow_name    text        not null,
  workflow_version text        not null,
  launch_plan      text,
  phase            text        not null,
  inputs_json      text        not null,
  outputs_json     text,
  error_code       text,
  error_message    text,
  error_node       text,
  idempotency_key  text,
  request_hash     text,
  created_at       timestamptz not null default now(),
  started_at       timestamptz,
  ended_at         timestamptz,
  primary key (org_id, execution_id)
);
create unique index executions_idempotency on executions (org_id, idempotency_key) where idempotency_key is not null;
create index executions_newest_first on executions (org_id, project, domain, created_at desc, execution_id desc);

create table nodes (
  org_id       text not null,
  execution_id text not null,
  node_id      text not null,
  position     int  not null,
  phase        text not null,
  reason       text,
  primary key (org_id, execution_id, node_id),
  foreign key (org_id, execution_id) references executions (org_id, execution_id)
);

create table attempts (
  org_id       text        not null,
  attempt_id   text        not null,
  execution_id text        not null,
  node_id      text        not null,
  attempt      int         not null,
  cluster      text,
  phase        text        not null,
  phase_rank   int         not null,
  started_at   timestamptz,
  ended_at     timestamptz,
  exit_code    int,
  reason       text,
  logs_uri     text,
  updated_at   timestamptz not null default now(),
  primary key (org_id, attempt_id)
);
create index attempts_by_cluster_open on attempts (cluster) where phase_rank < 5;

-- Task events already applied: the Kafka consumer is idempotent on event id.
create table applied_events (
  event_id   text        primary key,
  applied_at timestamptz not null default now()
);

-- Clusters whose agents have connected, and when they were last heard from.
create table clusters (
  cluster      text        primary key,
  org_id       text        not null,
  connected    boolean     not null,
  last_seen_at timestamptz not null
);
