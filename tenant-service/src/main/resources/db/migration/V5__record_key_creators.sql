-- Who made each API key, as identities rather than a description: removing a person, or lowering
-- their role, revokes the keys they made above the role they keep (docs/security.md).
alter table api_keys add column created_by_user text;
alter table api_keys add column created_by_key text;
create index api_keys_of_creator on api_keys (org_id, created_by_user) where revoked_at is null;
