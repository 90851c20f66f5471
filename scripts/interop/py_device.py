"""A C2D device on Microsoft's azure-iot-device (Python), as the tutorial writes it.

Reads IOTHUB_DEVICE_CONNECTION_STRING (for an X.509 device, x509=true: its certificate and key files
from --cert and --key, as the SDK's samples take them), connects over MQTT (or MQTT over WebSockets with
--websockets), prints one JSON line {"event": "connected"} and then one JSON line per
message received, and exits after --count messages or --timeout seconds (exit 1).
With --twin it first does what device apps do beside C2D: get_twin, patch_twin_reported_properties and a
method handler, and prints {"event": "twin", "twin": ...}.
Trust: the SDK's default TLS context, i.e. SSL_CERT_FILE. Nothing here is specific to iot-c2d.
"""
import argparse
import json
import os
import sys
import threading

from azure.iot.device import IoTHubDeviceClient, X509

_emit_lock = threading.Lock()


def emit(record):
    """One JSON line in one write: print() writes the text and the newline apart, so the SDK's callback
    thread and the main thread could interleave two records on one line."""
    with _emit_lock:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--websockets", action="store_true")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--twin", action="store_true")
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
        emit(record)
        received.append(record)
        if len(received) >= args.count:
            done.set()

    connection_string = os.environ["IOTHUB_DEVICE_CONNECTION_STRING"]
    if args.cert:
        fields = dict(part.split("=", 1) for part in connection_string.split(";"))
        client = IoTHubDeviceClient.create_from_x509_certificate(
            x509=X509(cert_file=args.cert, key_file=args.key),
            hostname=fields["HostName"],
            device_id=fields["DeviceId"],
            websockets=args.websockets,
        )
    else:
        client = IoTHubDeviceClient.create_from_connection_string(connection_string, websockets=args.websockets)
    client.on_message_received = on_message
    try:
        client.connect()
        if args.twin:
            client.on_method_request_received = lambda request: None
            twin = client.get_twin()
            client.patch_twin_reported_properties({"firmware": "1.0.0"})
            emit({"event": "twin", "twin": twin})
        emit({"event": "connected"})
        ok = done.wait(args.timeout)
    finally:
        client.shutdown()
    if not ok:
        emit({"event": "timeout", "received": len(received)})
        sys.exit(1)


if __name__ == "__main__":
    main()
