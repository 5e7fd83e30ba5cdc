import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/*
 * Sample emails to start from. Their links point at pages this playground
 * serves ("{{PLAYGROUND}}" in the files stands for its base URL), so clicking
 * one never leaves the machine.
 */

export interface Sample {
  id: string;
  title: string;
  to: string;
  subject: string;
  body: string;
}

interface SampleEntry {
  id: string;
  title: string;
  to: string;
  subject: string;
  file: string;
}

export function loadSamples(samplesDir: string, playgroundBaseUrl: string): Sample[] {
  const entries = JSON.parse(readFileSync(resolve(samplesDir, 'index.json'), 'utf8')) as SampleEntry[];
  return entries.map((entry) => ({
    id: entry.id,
    title: entry.title,
    to: entry.to,
    subject: entry.subject,
    body: readFileSync(resolve(samplesDir, entry.file), 'utf8').trim().split('{{PLAYGROUND}}').join(playgroundBaseUrl),
  }));
}
