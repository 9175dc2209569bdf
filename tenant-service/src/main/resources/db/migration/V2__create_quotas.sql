-- Quotas set by org admins: one row per org (project_id = '') and per project that has one.
-- The quota is tenant.v1.Quota in protobuf's JSON form, without org, project and audit fields.
create table quotas (
  org_id     text        not null references orgs (org_id),
  project_id text        not null,
  quota      jsonb       not null,
  updated_at timestamptz not null default now(),
  updated_by text        not null,
  primary key (org_id, project_id)
);

-- Every change, who made it and what it was before: the audit trail admins and support read.
create table quota_changes (
  change_id  bigserial   primary key,
  org_id     text        not null references orgs (org_id),
  project_id text        not null,
  actor      text        not null,
  before     jsonb,
  after      jsonb       not null,
  changed_at timestamptz not null default now()
);
create index quota_changes_newest_first on quota_changes (org_id, change_id desc);
