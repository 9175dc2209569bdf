-- Several routers serve one deployment (issue 11). Each agent stream is held by one router: a router
-- records itself here (and how its peers reach it) while it runs, and each cluster names the router
-- its agent is connected to. A router not heard from within a few seconds is gone; the clusters it
-- held are then unreachable until their agents reconnect to another router.
create table routers (
  router_id   text        primary key,
  peer_target text        not null,
  heard_at    timestamptz not null default now()
);

alter table clusters add column router_id text;
