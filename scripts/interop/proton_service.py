"""A C2D back end on Apache Qpid Proton (Python): an AMQP 1.0 client that shares no code with any Azure SDK.

Reads IOTHUB_CONNECTION_STRING and the hub CA's path (IOTHUB_TRUSTED_CA_FILE), connects over AMQPS with
SASL PLAIN (user "<policy>@sas.root.<hub name>", a SAS token as the password, as IoT Hub documents for
AMQP clients), sends one C2D message to /messages/devicebound with its system and application properties,
then reads /messages/serviceBound/feedback until the record for that message arrives, accepts the batch,
and prints JSON lines: {"event": "sent", ...} when the hub accepts the message, {"event": "feedback", ...}
with the record.
  proton_service.py <deviceId> <payload> '<properties as JSON>' [timeout seconds]
The properties dict: messageId, correlationId, contentType, contentEncoding are system properties, every
other key (iothub-ack among them) an application property.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.parse

from proton import Message, SSLDomain, symbol
from proton.handlers import MessagingHandler
from proton.reactor import Container

SYSTEM = {"messageId": "id", "correlationId": "correlation_id", "contentType": "content_type", "contentEncoding": "content_encoding"}


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def sas_token(resource, key_name, key, ttl=3600):
    expiry = str(int(time.time()) + ttl)
    uri = urllib.parse.quote(resource, safe="").lower()
    signed = hmac.new(base64.b64decode(key), f"{uri}\n{expiry}".encode(), hashlib.sha256).digest()
    sig = urllib.parse.quote(base64.b64encode(signed), safe="")
    return f"SharedAccessSignature sr={uri}&sig={sig}&se={expiry}&skn={key_name}"


class Backend(MessagingHandler):
    def __init__(self, fields, device_id, payload, properties, timeout):
        super().__init__(auto_accept=False)
        self.fields, self.device_id, self.payload, self.properties, self.timeout = fields, device_id, payload, properties, timeout
        self.message_id = properties.get("messageId")
        self.sent = False

    def on_start(self, event):
        host = self.fields["HostName"]
        gateway = self.fields.get("GatewayHostName", host)
        name = host.split(":")[0].split(".")[0]
        domain = SSLDomain(SSLDomain.MODE_CLIENT)
        domain.set_trusted_ca_db(os.environ["IOTHUB_TRUSTED_CA_FILE"])
        domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME)
        port = "" if ":" in gateway else ":5671"
        conn = event.container.connect(
            f"amqps://{gateway}{port}", ssl_domain=domain, sasl_enabled=True, allowed_mechs="PLAIN",
            user=f"{self.fields['SharedAccessKeyName']}@sas.root.{name}",
            password=sas_token(host, self.fields["SharedAccessKeyName"], self.fields["SharedAccessKey"]),
            virtual_host=host.split(":")[0])
        self.conn = conn
        self.sender = event.container.create_sender(conn, "/messages/devicebound")
        self.receiver = event.container.create_receiver(conn, "/messages/serviceBound/feedback")
        event.container.schedule(self.timeout, self)

    def on_timer_task(self, event):
        emit({"event": "error", "message": f"no feedback for {self.message_id} within {self.timeout} s"})
        self.conn.close()
        sys.exit(1)

    def on_sendable(self, event):
        if self.sent:
            return
        self.sent = True
        msg = Message(body=self.payload.encode(), address=f"/devices/{self.device_id}/messages/devicebound")
        msg.inferred = True  # a binary body goes in a data section
        app = {}
        for key, value in self.properties.items():
            if key in SYSTEM:
                setattr(msg, SYSTEM[key], symbol(value) if key in ("contentType", "contentEncoding") else value)
            else:
                app[key] = value
        msg.properties = app
        event.sender.send(msg)

    def on_accepted(self, event):
        emit({"event": "sent", "messageId": self.message_id})

    def on_rejected(self, event):
        emit({"event": "error", "message": f"the hub rejected the message: {event.delivery.remote.condition}"})
        event.connection.close()
        sys.exit(1)

    def on_message(self, event):
        body = event.message.body
        records = json.loads(bytes(body).decode() if not isinstance(body, str) else body)
        self.accept(event.delivery)
        for record in records:
            if record.get("originalMessageId") == self.message_id:
                emit({"event": "feedback", "record": record, "contentType": str(event.message.content_type)})
                event.connection.close()
                event.container.stop()
                return


def main():
    device_id, payload, properties = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 45
    fields = dict(part.split("=", 1) for part in os.environ["IOTHUB_CONNECTION_STRING"].split(";") if part)
    Container(Backend(fields, device_id, payload, properties, timeout)).run()


if __name__ == "__main__":
    main()
