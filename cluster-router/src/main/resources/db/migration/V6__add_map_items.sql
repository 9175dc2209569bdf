-- Map nodes (issue 16): an item's attempts are rows of attempts under the item's run id (node[17]),
-- with the map node and the item's index; a succeeded item's outputs are kept until the map collects them.
alter table attempts add column map_node text, add column item int, add column outputs_json text;
create index attempts_by_map_item on attempts (org_id, execution_id, map_node, item, attempt) where map_node is not null;

-- A map node's size once it started, and the items that failed for good.
alter table nodes add column items int, add column failed_items int[] not null default '{}';
