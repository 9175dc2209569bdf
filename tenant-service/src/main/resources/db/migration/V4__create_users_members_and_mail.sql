-- An org created by web sign-up waits for its owner to confirm the e-mail address; orgs created by
-- the platform operator are active at once.
alter table orgs add column status text not null default 'ACTIVE' check (status in ('PENDING_CONFIRMATION', 'ACTIVE'));

-- People who log in to the console. One account per e-mail address (compared case-insensitively).
create table users (
  user_id       text        primary key,
  email         text        not null,
  password_hash text        not null,
  status        text        not null check (status in ('PENDING_CONFIRMATION', 'ACTIVE')),
  created_at    timestamptz not null default now()
);
create unique index users_by_email on users (lower(email));

create table memberships (
  org_id     text        not null references orgs (org_id) on delete cascade,
  user_id    text        not null references users (user_id) on delete cascade,
  role       text        not null check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index memberships_of_user on memberships (user_id, created_at);

-- When a person's role in an org last changed or they were removed: resource servers refuse that
-- person's tokens for the org issued before, so a demotion or removal takes effect within seconds.
create table membership_changes (
  org_id     text        not null,
  user_id    text        not null,
  changed_at timestamptz not null default now(),
  primary key (org_id, user_id)
);

-- Single-use links sent by e-mail: sign-up confirmations and invitations. Only a hash of the token
-- is kept, so a database read does not hand out working links.
create table email_links (
  link_id    text        primary key,
  token_hash text        not null unique,
  kind       text        not null check (kind in ('SIGNUP', 'INVITATION')),
  org_id     text        not null references orgs (org_id) on delete cascade,
  email      text        not null,
  role       text        check (role in ('owner', 'admin', 'member', 'viewer')),
  created_by text        not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at    timestamptz
);
create index email_links_of_org on email_links (org_id, kind);

-- Mail is written here in the transaction that makes it necessary and sent afterwards (retried until
-- the SMTP server takes it), so a sign-up is never left without its confirmation e-mail.
create table mail_outbox (
  mail_id    bigserial   primary key,
  recipient  text        not null,
  subject    text        not null,
  body       text        not null,
  created_at timestamptz not null default now(),
  attempts   int         not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  sent_at    timestamptz
);
create index mail_outbox_unsent on mail_outbox (next_attempt_at) where sent_at is null;
