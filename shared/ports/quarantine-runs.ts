/**
 * Finds the playbook runs that quarantined a principal, so a quarantine can be lifted through the
 * undo of the very step that applied it.
 */
export interface QuarantineRuns {
  /** Ids of runs with an applied `quarantine-role` or `quarantine-user` step on `principalArn`, newest first. */
  quarantinesOf(principalArn: string): readonly string[];
}
