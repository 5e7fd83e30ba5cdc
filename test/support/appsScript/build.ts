import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildAddon, type AddonBuildMode } from '../../../scripts/build-addon';

export const REPO_ROOT = resolve(__dirname, '../../..');

/** Builds the add-on into a fresh temporary folder and returns the folder. */
export function buildAddonForTest(trackerBaseUrl: string, mode: AddonBuildMode = 'local'): string {
  const outDir = join(mkdtempSync(join(tmpdir(), 'addon-build-')), 'dist');
  buildAddon({ rootDir: REPO_ROOT, outDir, mode, trackerBaseUrl, logoUrl: 'https://t.example.com/logo.png' });
  return outDir;
}

export function removeBuild(outDir: string): void {
  rmSync(resolve(outDir, '..'), { recursive: true, force: true });
}
