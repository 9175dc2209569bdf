-- An execution's attempts were found by scanning the whole table: each dispatch asks which clusters
-- the execution already ran on, and with a 100,000-item map that scan made dispatch slower with
-- every item done. The clusters are read by skipping through this index (one probe per cluster);
-- the execution view reads only its nodes' own attempts through the partial one.
create index attempts_by_execution_cluster on attempts (org_id, execution_id, cluster);
create index attempts_of_nodes on attempts (org_id, execution_id) where map_node is null;
