-- A workflow or launch plan is compiled once, when it is registered: its row keeps the execution
-- plan the router runs (every task inlined, a launch plan's overrides applied) and the workflow's
-- typed interface, so a launch reads that one row. Rows registered before these columns existed
-- are compiled at their first launch and written back.
alter table registry_entities
  add column plan           bytea,
  add column interface_json text;
