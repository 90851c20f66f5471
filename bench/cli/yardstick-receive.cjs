// Yardstick for `iot-c2d receive --device <cs> --count 1`: the bare azure-iot-device SDK over MQTT doing the
// same. IOTHUB_DEVICE_CONNECTION_STRING; the hub's CA through NODE_EXTRA_CA_CERTS.
const { Client } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');

const client = Client.fromConnectionString(process.env.IOTHUB_DEVICE_CONNECTION_STRING, Mqtt);
client.on('message', (message) => {
  console.log(message.getData().toString());
  client.complete(message, () => client.close(() => process.exit(0)));
});
client.open((err) => {
  if (err) throw err;
});
