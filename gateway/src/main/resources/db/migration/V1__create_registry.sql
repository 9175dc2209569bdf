-- Tasks, workflows and launch plans: immutable once registered, keyed by name and version in a
-- project and domain of an org. Only a launch plan's active flag ever changes.
create table registry_entities (
  org_id     text        not null,
  project    text        not null,
  domain     text        not null,
  kind       text        not null check (kind in ('task', 'workflow', 'launch_plan')),
  name       text        not null,
  version    text        not null,
  spec       text        not null,
  digest     text        not null,
  edges      text,
  active     boolean     not null default false,
  created_at timestamptz not null default now(),
  primary key (org_id, project, domain, kind, name, version)
);
