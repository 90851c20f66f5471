// Yardstick for `iot-c2d device list`: the bare azure-iothub Registry doing the same.
// IOTHUB_CONNECTION_STRING; the hub's CA through NODE_EXTRA_CA_CERTS.
const { Registry } = require('azure-iothub');

Registry.fromConnectionString(process.env.IOTHUB_CONNECTION_STRING).list((err, devices) => {
  if (err) throw err;
  for (const d of devices) console.log(`${d.deviceId} ${d.status} ${d.connectionState} ${d.cloudToDeviceMessageCount}`);
});
