import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddonManifest } from '../addon/manifest';

/*
 * Checks, before `clasp push`, that the push would replace the remote project with
 * a build Gmail can use: .clasp.json names a real script and pushes dist/, and
 * dist/ contains a production build (Apps Script cannot reach a tracker on localhost).
 * clasp itself reports neither; it pushes whatever rootDir holds.
 */

const PLACEHOLDER_SCRIPT_ID = 'REPLACE_WITH_YOUR_SCRIPT_ID';

export class ClaspCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaspCheckError';
  }
}

/** Returns the problems found; an empty list means the push may go ahead. */
export function checkClaspProject(rootDir: string): string[] {
  const projectPath = resolve(rootDir, '.clasp.json');
  if (!existsSync(projectPath)) return [`${projectPath} is missing; create the Apps Script project first (docs/addon.md, "Push with clasp")`];

  const problems: string[] = [];
  const project = JSON.parse(readFileSync(projectPath, 'utf8')) as { scriptId?: string; rootDir?: string };
  if (!project.scriptId || project.scriptId === PLACEHOLDER_SCRIPT_ID) {
    problems.push(`.clasp.json has scriptId "${project.scriptId ?? ''}"; put the script ID from the Apps Script editor's Project Settings there`);
  }
  if (project.rootDir !== 'dist') {
    problems.push(`.clasp.json has rootDir "${project.rootDir ?? ''}"; it must be "dist", the build output, because clasp replaces the whole remote project with it`);
  }

  const manifestPath = resolve(rootDir, 'dist', 'appsscript.json');
  if (!existsSync(manifestPath)) {
    problems.push(`${manifestPath} is missing; run the production build first`);
    return problems;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as AddonManifest;
  const insecure = manifest.urlFetchWhitelist.filter((url) => !url.startsWith('https://'));
  if (insecure.length > 0) {
    problems.push(
      `dist/ holds a local build for ${insecure.join(', ')}, which Apps Script cannot fetch; build with ADDON_BUILD=production TRACKER_BASE_URL=https://… ADDON_LOGO_URL=https://…`,
    );
  }
  return problems;
}

function main(): void {
  const problems = checkClaspProject(process.cwd());
  for (const problem of problems) console.error(`clasp-check: ${problem}`);
  if (problems.length > 0) process.exitCode = 1;
}

if (require.main === module) main();
