import Fastify from 'fastify';
import { sendPixel } from '../tracker/gif';

/*
 * The framework's ceiling: a Fastify server with one route that returns the
 * pixel's GIF and headers and does nothing else (no token check, no hit, no
 * logger). Listens on 127.0.0.1 at the port given as the first argument.
 */

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 8192 } });
  app.get<{ Params: { file: string } }>('/o/:file', async (_request, reply) => sendPixel(reply));
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.listen({ host: '127.0.0.1', port });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
