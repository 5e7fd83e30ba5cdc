import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../tracker/config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'config-test-'));
const production = {
  PROFILE: 'production',
  PUBLIC_BASE_URL: 'https://t.example.com/',
  SIGNING_SECRET: 'x'.repeat(40),
  ID_TOKEN_AUDIENCE: '1234.apps.googleusercontent.com',
};

describe('configuration', () => {
  test('local profile needs no variables', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config.profile).toBe('local');
    expect(config.store).toBe('sqlite');
    expect(config.port).toBe(8080);
    expect(config.publicBaseUrl).toBe('http://localhost:8080/');
    expect(config.devSigninKeyFile).not.toBeNull();
    expect(config.signingSecret.length).toBeGreaterThanOrEqual(32);
  });

  test('local secret survives restarts', () => {
    const dir = dataDir();
    expect(loadConfig({ DATA_DIR: dir }).signingSecret).toBe(loadConfig({ DATA_DIR: dir }).signingSecret);
  });

  test('production profile accepts complete settings', () => {
    const config = loadConfig(production);
    expect(config.devSigninKeyFile).toBeNull();
    expect(config.trustProxyHops).toBe(1);
    expect(config.store).toBe('firestore');
  });

  test.each([
    [{ PUBLIC_BASE_URL: 'http://t.example.com/' }, /PUBLIC_BASE_URL .*https:\/\//],
    [{ PUBLIC_BASE_URL: '' }, /PUBLIC_BASE_URL is missing/],
    [{ SIGNING_SECRET: '' }, /SIGNING_SECRET is missing/],
    [{ SIGNING_SECRET: 'short' }, /SIGNING_SECRET has 5 characters/],
    [{ ID_TOKEN_AUDIENCE: '' }, /ID_TOKEN_AUDIENCE is missing/],
    [{ DEV_SIGNIN: 'on' }, /DEV_SIGNIN is "on" with PROFILE=production/],
    [{ TRUST_PROXY_HOPS: 'one' }, /TRUST_PROXY_HOPS is "one"; expected a whole number/],
    [{ STORE: 'postgres' }, /STORE is "postgres"; expected one of sqlite, firestore/],
  ])('production rejects %p', (override, message) => {
    expect(() => loadConfig({ ...production, ...override })).toThrow(message);
  });

  test('rejects an unknown profile by name', () => {
    expect(() => loadConfig({ PROFILE: 'staging' })).toThrow('PROFILE is "staging"; expected one of local, production');
  });
});
