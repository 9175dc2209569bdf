package dev.meridian.router.execution;

/** What the execution workflow's signals drive: the event loop, or the engine older histories started on. */
sealed interface ExecutionEngine permits ExecutionLoop, ThreadPerNodeExecution {

  void attemptEnded(AttemptOutcome outcome);

  void admitted(String requestId);

  void terminate(String reason);
}
