/**
 * Points that expire at a cutoff when spending always draws the oldest points first: whatever
 * arrived up to the cutoff and has not yet left the account (spent, deducted or expired), but
 * never more than is there to take.
 */
export function pointsToExpire(inflowUpToCutoff: number, outflowSoFar: number, available: number): number {
  return Math.max(0, Math.min(available, inflowUpToCutoff - outflowSoFar));
}
