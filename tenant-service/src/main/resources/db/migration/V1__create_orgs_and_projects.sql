create table orgs (
  org_id      text        primary key,
  name        text        not null,
  owner_email text        not null,
  created_at  timestamptz not null default now()
);

create table projects (
  org_id      text        not null references orgs (org_id),
  project_id  text        not null,
  name        text        not null,
  description text        not null default '',
  created_at  timestamptz not null default now(),
  primary key (org_id, project_id)
);
