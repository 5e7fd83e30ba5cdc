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
    // Cloud Run sends SIGKILL 10 seconds after SIGTERM, so a store that hangs
    // must not keep the process past it. Exiting early loses no hit: each
    // queued hit is logged for replay at its commit deadline, which has passed.
    const limitMs = Math.max(8000, config.commitDeadlineMs + 1000);
    setTimeout(() => {
      app.log.error({ event: 'server.stop_timeout', limitMs }, `store did not finish within ${limitMs} ms of the stop signal; exiting, unsaved hits are in hit.unsaved lines`);
      process.exit(1);
    }, limitMs).unref();
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
