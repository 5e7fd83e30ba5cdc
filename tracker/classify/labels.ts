import type { HitLabel } from '../../shared/labels';
import type { HitRecord } from '../store/types';

/** Labels a hit from what it carries alone, before any fact about its message is known. */
export function labelOnArrival(hit: Omit<HitRecord, 'label'>): HitLabel {
  if (hit.method === 'HEAD') return 'scanner';
  return 'recipient';
}
