// Express endpoint for WeChat Pay notifications.
//
// The signature covers the exact bytes WeChat Pay sent, so the route reads the body with
// express.raw() and hands the Buffer to parseNotification. express.json() would parse it, and a
// re-serialized body does not verify. Answer within 5 s and queue slow work: WeChat Pay resends
// until it gets 2xx, so handlers must be idempotent on `notification.id`.
//
// Run standalone: PAPAY_MCHID=... PAPAY_SERIAL_NO=... PAPAY_PRIVATE_KEY_FILE=apiclient_key.pem
// PAPAY_APIV3_KEY=... PAPAY_APPID=... node examples/express.mjs

import { pathToFileURL } from 'node:url';

import express from 'express';
import { acknowledge, Client, PayError, reject } from 'papay';

/** Creates an Express app with `POST /papay/notify` that passes verified notifications to `handle`. */
export function createApp(client, handle) {
  const app = express();

  app.post('/papay/notify', express.raw({ type: '*/*', limit: '1mb' }), async (request, response) => {
    let answer;
    try {
      const notification = await client.parseNotification(request.headers, request.body);
      await handle(notification);
      answer = acknowledge();
    } catch (error) {
      // A notification that fails verification is answered 500 so that a genuine one is resent.
      console.error(`notification rejected: ${error instanceof PayError ? error.code : 'HANDLER'}: ${error.message}`);
      answer = reject(error instanceof PayError ? error.code : 'handler failed');
    }
    response.status(answer.status).set(answer.headers).send(answer.body);
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
  createApp(client, async (notification) => {
    console.log(`${notification.eventType} ${notification.id} (${notification.kind})`);
  }).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/papay/notify`));
}
