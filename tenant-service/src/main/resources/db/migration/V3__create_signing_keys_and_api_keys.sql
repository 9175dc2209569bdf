-- Keys that sign access tokens. Kept, so a restart does not invalidate every issued token; the
-- newest signs, all are published in the JWKS.
create table signing_keys (
  kid         text        primary key,
  private_key bytea       not null,
  public_key  bytea       not null,
  created_at  timestamptz not null default now()
);

-- API keys: OAuth2 clients (client_credentials) that act in one org with one role. Only a hash of
-- the secret is kept; it is shown once, when the key is created.
create table api_keys (
  key_id      text        primary key,
  org_id      text        not null references orgs (org_id),
  name        text        not null,
  role        text        not null check (role in ('owner', 'admin', 'member', 'viewer')),
  client_id   text        not null unique,
  secret_hash text        not null,
  created_at  timestamptz not null default now(),
  created_by  text        not null,
  revoked_at  timestamptz
);
create index api_keys_of_org on api_keys (org_id, created_at);
