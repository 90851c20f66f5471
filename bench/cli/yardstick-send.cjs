// Yardstick for `iot-c2d send <id> <payload> --ack full --wait`: the bare azure-iothub SDK doing the same.
// IOTHUB_CONNECTION_STRING; the hub's CA through NODE_EXTRA_CA_CERTS.   node yardstick-send.cjs <deviceId>
const { randomUUID } = require('node:crypto');
const { Client } = require('azure-iothub');
const { Message } = require('azure-iot-common');

const client = Client.fromConnectionString(process.env.IOTHUB_CONNECTION_STRING);
const message = new Message('{"bench":true}');
message.messageId = randomUUID();
message.ack = 'full';
client.open((err) => {
  if (err) throw err;
  client.getFeedbackReceiver((err, receiver) => {
    if (err) throw err;
    receiver.on('message', (batch) => {
      const records = JSON.parse(batch.data.toString());
      receiver.complete(batch, () => {
        if (records.some((r) => r.originalMessageId === message.messageId)) client.close(() => process.exit(0));
      });
    });
    client.send(process.argv[2], message, (err) => {
      if (err) throw err;
    });
  });
});
