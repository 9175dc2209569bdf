-- The embedded secret store: each org's data key, wrapped by the key encryption key (a 0600 file
-- or a configured key) and every version of every secret, encrypted with its org's data key. Only
-- the embedded store uses these two tables; with Vault they stay empty.
create table org_keys (
  org_id      text        primary key,
  -- AES-GCM: 12-byte nonce, then the wrapped 256-bit data key and its tag.
  wrapped_key bytea       not null,
  -- Which key encryption key wrapped it: the first bytes of its SHA-256, so a wrong key is named, not guessed.
  kek_id      text        not null,
  created_at  timestamptz not null default now()
);

create table secret_versions (
  org_id     text        not null,
  -- '' for a secret of the whole org, or of every domain of a project.
  project    text        not null,
  domain     text        not null,
  name       text        not null,
  version    integer     not null check (version > 0),
  -- AES-GCM under the org's data key, bound to the path and version; null once destroyed.
  ciphertext bytea,
  created_at timestamptz not null default now(),
  deleted_at timestamptz,
  primary key (org_id, project, domain, name, version)
);

-- One grant per attempt that needs secrets: the broker hands out its id once, stores only its
-- hash, and lets it be redeemed once, by the cluster the attempt was assigned to, before it expires.
create table grants (
  id_hash      bytea       primary key,
  org_id       text        not null,
  project      text        not null,
  domain       text        not null,
  execution_id text        not null,
  node_id      text        not null,
  attempt      integer     not null,
  cluster_id   text        not null,
  -- The secrets the task declared: [{"name": ..., "as": "env"|"file", "envVar": ..., "mountPath": ...}].
  secrets      text        not null,
  created_at   timestamptz not null,
  expires_at   timestamptz not null,
  redeemed_at  timestamptz
);

-- Every write, delete, grant and redemption, refused ones included: who, what, for which attempt.
create table audit (
  id         bigserial   primary key,
  at         timestamptz not null,
  org_id     text        not null,
  actor      text        not null,
  action     text        not null,
  secret     text,
  attempt    text,
  outcome    text        not null,
  detail     text
);
create index audit_by_org on audit (org_id, id desc);
