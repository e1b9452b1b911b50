/**
 * Where signed approval links are marked used, so that each works once. `consume` is one atomic
 * conditional write: of two requests racing with the same link, exactly one gets true.
 */
export interface UsedLinks {
  /**
   * Marks the link `id` used; true the first time, false when it was used before. `expiresAt` lets
   * the store forget a mark once the link could no longer verify anyway.
   */
  consume(id: string, expiresAt: number): Promise<boolean>;
}
