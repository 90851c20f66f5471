"""A C2D back end on Microsoft's azure-iot-hub (Python), as the tutorial writes it.

Reads IOTHUB_CONNECTION_STRING and sends one C2D message with
IoTHubRegistryManager.send_c2d_message (uAMQP underneath), then prints {"event": "sent"}.
  py_service.py <deviceId> <payload> '<properties as JSON>'
The properties dict is the SDK's: messageId, correlationId, contentType, contentEncoding are
system properties, every other key (iothub-ack among them) an application property.
Trust: uAMQP loads its CA bundle from certifi.where() (it ignores SSL_CERT_FILE), so
scripts/interop/run.mjs makes that file hold the hub's CA; see README.md, "Interop with Microsoft's SDKs".
"""
import json
import logging
import os
import sys

from azure.iot.hub import IoTHubRegistryManager


def main():
    # uAMQP says little in its exception; its log names the step that failed.
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    device_id, payload, properties = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    manager = IoTHubRegistryManager.from_connection_string(os.environ["IOTHUB_CONNECTION_STRING"])
    try:
        manager.send_c2d_message(device_id, payload, properties=properties)
        print(json.dumps({"event": "sent", "messageId": properties.get("messageId")}), flush=True)
    finally:
        manager.amqp_svc_client.disconnect_sync()


if __name__ == "__main__":
    main()
