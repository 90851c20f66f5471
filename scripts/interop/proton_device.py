"""A C2D device on Apache Qpid Proton (Python): an AMQP 1.0 client that shares no code with any Azure SDK.

Reads IOTHUB_DEVICE_CONNECTION_STRING and the hub CA's path (IOTHUB_TRUSTED_CA_FILE), connects over AMQPS with
SASL PLAIN (user "<deviceId>@sas.<hub name>", a device SAS token as the password, as IoT Hub documents for
AMQP clients), receives from /devices/<deviceId>/messages/devicebound, prints one JSON line per message
({"event": "message", ...}: ids, content type and encoding, body, application properties) and settles each:
accepted (complete), rejected (reject) or released (abandon), by --disposition. Exits after --count messages
(0) or --timeout seconds (1). Prints {"event": "connected"} once the receiving link is attached.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.parse

from proton import SSLDomain
from proton.handlers import MessagingHandler
from proton.reactor import Container


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def sas_token(resource, key, ttl=3600):
    expiry = str(int(time.time()) + ttl)
    uri = urllib.parse.quote(resource, safe="").lower()
    signed = hmac.new(base64.b64decode(key), f"{uri}\n{expiry}".encode(), hashlib.sha256).digest()
    return f"SharedAccessSignature sr={uri}&sig={urllib.parse.quote(base64.b64encode(signed), safe='')}&se={expiry}"


def text(value):
    return None if value is None else str(value)


class Device(MessagingHandler):
    def __init__(self, fields, disposition, count, timeout):
        super().__init__(auto_accept=False, prefetch=10)
        self.fields, self.disposition, self.count, self.timeout = fields, disposition, count, timeout
        self.received = 0

    def on_start(self, event):
        host = self.fields["HostName"]
        gateway = self.fields.get("GatewayHostName", host)
        device_id = self.fields["DeviceId"]
        domain = SSLDomain(SSLDomain.MODE_CLIENT)
        domain.set_trusted_ca_db(os.environ["IOTHUB_TRUSTED_CA_FILE"])
        domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME)
        port = "" if ":" in gateway else ":5671"
        self.conn = event.container.connect(
            f"amqps://{gateway}{port}", ssl_domain=domain, sasl_enabled=True, allowed_mechs="PLAIN",
            user=f"{device_id}@sas.{host.split(':')[0].split('.')[0]}",
            password=sas_token(f"{host}/devices/{device_id}", self.fields["SharedAccessKey"]),
            virtual_host=host.split(":")[0])
        event.container.create_receiver(self.conn, f"/devices/{device_id}/messages/devicebound")
        self.timer = event.container.schedule(self.timeout, self)

    def on_link_opened(self, event):
        if event.receiver:
            emit({"event": "connected"})

    def on_timer_task(self, event):
        emit({"event": "timeout", "received": self.received})
        self.conn.close()
        sys.exit(1)

    def on_message(self, event):
        message = event.message
        body = message.body
        data = body.decode() if isinstance(body, (bytes, memoryview)) else body
        properties = dict(message.properties or {})
        emit({"event": "message", "messageId": text(message.id), "correlationId": text(message.correlation_id),
              "contentType": text(message.content_type), "contentEncoding": text(message.content_encoding),
              "data": data if isinstance(data, str) else bytes(data).decode(),
              "ack": properties.pop("iothub-ack", None), "properties": {k: str(v) for k, v in properties.items()}})
        if self.disposition == "reject":
            self.reject(event.delivery)
        elif self.disposition == "release":
            self.release(event.delivery, delivered=True)
        else:
            self.accept(event.delivery)
        self.received += 1
        if self.received >= self.count:
            self.timer.cancel()
            # Let the last disposition go out before the connection closes.
            event.container.schedule(0.2, self.Close(self.conn))

    class Close:
        def __init__(self, conn):
            self.conn = conn

        def on_timer_task(self, event):
            self.conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--disposition", choices=["accept", "reject", "release"], default="accept")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    fields = dict(part.split("=", 1) for part in os.environ["IOTHUB_DEVICE_CONNECTION_STRING"].split(";") if part)
    Container(Device(fields, args.disposition, args.count, args.timeout)).run()


if __name__ == "__main__":
    main()
