"""A C2D device on Microsoft's azure-iot-device (Python), as the tutorial writes it.

Reads IOTHUB_DEVICE_CONNECTION_STRING, connects over MQTT (or MQTT over WebSockets with
--websockets), prints one JSON line {"event": "connected"} and then one JSON line per
message received, and exits after --count messages or --timeout seconds (exit 1).
Trust: the SDK's default TLS context, i.e. SSL_CERT_FILE. Nothing here is specific to iot-c2d.
"""
import argparse
import json
import os
import sys
import threading

from azure.iot.device import IoTHubDeviceClient


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--websockets", action="store_true")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    received = []
    done = threading.Event()

    def on_message(message):
        data = message.data.decode("utf-8") if isinstance(message.data, bytes) else message.data
        record = {
            "event": "message",
            "messageId": message.message_id,
            "correlationId": message.correlation_id,
            "contentType": message.content_type,
            "contentEncoding": message.content_encoding,
            "data": data,
            "ack": message.ack,
            "properties": message.custom_properties,
        }
        print(json.dumps(record), flush=True)
        received.append(record)
        if len(received) >= args.count:
            done.set()

    client = IoTHubDeviceClient.create_from_connection_string(
        os.environ["IOTHUB_DEVICE_CONNECTION_STRING"], websockets=args.websockets
    )
    client.on_message_received = on_message
    try:
        client.connect()
        print(json.dumps({"event": "connected"}), flush=True)
        ok = done.wait(args.timeout)
    finally:
        client.shutdown()
    if not ok:
        print(json.dumps({"event": "timeout", "received": len(received)}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
