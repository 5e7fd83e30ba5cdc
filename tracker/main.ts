import { buildApp, systemClock } from './app';
import { ConfigError, loadConfig } from './config';
import { startRetentionPurge } from './retention';
import { openStore } from './store/index';

/*
 * Process entry point: reads the configuration, opens the store, listens.
 * On SIGTERM (Cloud Run's stop signal) or SIGINT it stops accepting requests,
 * commits the queued hits, closes the store and exits.
 */

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const store = await openStore(config);
  const app = buildApp(config, { store });
  const purge = startRetentionPurge(store, systemClock, app.log);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ event: 'server.stopping', signal }, 'stopping: committing queued hits');
    purge.stop();
    try {
      await app.close();
      await store.close();
      app.log.info({ event: 'server.stopped' }, 'stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ event: 'server.started', address, profile: config.profile, store: config.store, publicBaseUrl: config.publicBaseUrl }, `tracker listening on ${address}`);
}

void main();
