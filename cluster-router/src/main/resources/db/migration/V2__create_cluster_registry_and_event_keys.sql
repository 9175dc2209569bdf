-- Registered clusters replace the name-keyed heartbeat table of the walking skeleton.
drop table clusters;

create table clusters (
  cluster_id    text        primary key,
  org_id        text        not null,
  name          text        not null,
  region        text        not null default '',
  labels_json   text        not null default '{}',
  token_hash    text        not null unique,
  cordoned      boolean     not null default false,
  deleted_at    timestamptz,
  created_at    timestamptz not null default now(),
  agent_version text,
  capacity_json text,
  connected     boolean     not null default false,
  last_seen_at  timestamptz
);
create unique index clusters_name_per_org on clusters (org_id, name) where deleted_at is null;

-- Keys that task events are signed with: one per agent stream (and one per router process, for
-- the LOST events it publishes itself). An event counts only if its key belongs to the cluster
-- its attempt is assigned to.
create table event_keys (
  key_id     text        primary key,
  cluster_id text        not null,
  secret     bytea       not null,
  created_at timestamptz not null default now()
);
