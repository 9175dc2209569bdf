-- What keeps the engine from making progress with an execution, while it does (StalledExecutions):
-- shown with the execution so that it never sits silently in QUEUED.
alter table executions add column problem text;
