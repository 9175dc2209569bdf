package dev.meridian.router.admission;

/** Tells whoever waits for an admitted request (the execution's workflow) that it may go on. */
public interface Wakeups {

  /** False when nobody will ever wait for it again (the workflow is gone): the reservation is then released. */
  boolean wake(AdmissionLedger.Admitted admitted);
}
