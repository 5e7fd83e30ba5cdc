/// <reference path="./types/build.d.ts" />
import { normaliseBaseUrl } from '../shared/urls';

/** Base URL of the tracker this bundle was built for, ending with "/". */
export function trackerBaseUrl(): string {
  return normaliseBaseUrl(__TRACKER_BASE_URL__);
}
