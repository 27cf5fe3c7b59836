// Fastify endpoint for WeChat Pay notifications.
//
// The signature covers the exact bytes WeChat Pay sent, so inside this plugin every content type
// is read as a Buffer (addContentTypeParser with parseAs: 'buffer') and handed to
// parseNotification unparsed. Answer within 5 s and queue slow work: WeChat Pay resends until it
// gets 2xx, so handlers must be idempotent on `notification.id`.
//
// Run standalone: PAPAY_MCHID=... PAPAY_SERIAL_NO=... PAPAY_PRIVATE_KEY_FILE=apiclient_key.pem
// PAPAY_APIV3_KEY=... PAPAY_APPID=... node examples/fastify.mjs

import { pathToFileURL } from 'node:url';

import Fastify from 'fastify';
import { acknowledge, Client, PayError, reject } from 'papay';

/** Creates a Fastify app with `POST /papay/notify` that passes verified notifications to `handle`. */
export function createApp(client, handle) {
  const app = Fastify();

  // Registered as a plugin so the raw-body parser applies to this route only.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));

    scope.post('/papay/notify', async (request, reply) => {
      let answer;
      try {
        const notification = await client.parseNotification(request.headers, request.body);
        await handle(notification);
        answer = acknowledge();
      } catch (error) {
        // A notification that fails verification is answered 500 so that a genuine one is resent.
        request.log.error(`notification rejected: ${error instanceof PayError ? error.code : 'HANDLER'}: ${error.message}`);
        answer = reject(error instanceof PayError ? error.code : 'handler failed');
      }
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
  });

  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const client = new Client({
    mchid: process.env.PAPAY_MCHID,
    serialNo: process.env.PAPAY_SERIAL_NO,
    privateKeyFile: process.env.PAPAY_PRIVATE_KEY_FILE,
    apiv3Key: process.env.PAPAY_APIV3_KEY,
    appid: process.env.PAPAY_APPID,
  });
  const port = Number(process.env.PORT ?? 8080);
  const app = createApp(client, async (notification) => {
    console.log(`${notification.eventType} ${notification.id} (${notification.kind})`);
  });
  await app.listen({ port, host: '127.0.0.1' });
  console.log(`listening on http://127.0.0.1:${port}/papay/notify`);
}
