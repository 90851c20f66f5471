// A C2D device on Microsoft's C SDK (azure-iot-sdk-c), modelled on its iothub_ll_c2d_sample.
//
//   c2d_device <mqtt|mqtt-ws|amqp|amqp-ws|http> <count> <timeout-seconds>
//
// Environment: IOTHUB_DEVICE_CONNECTION_STRING (the string `iot-c2d hub` prints),
// IOTHUB_TRUSTED_CA_FILE (a PEM file handed to the SDK with OPTION_TRUSTED_CERT, TLS verification
// stays on), IOTHUB_C_TRACE=1 for the SDK's protocol trace (OPTION_LOG_TRACE, on stdout); for an X.509
// device (x509=true in the string), IOTHUB_X509_CERT_FILE and IOTHUB_X509_KEY_FILE (PEM files handed to the
// SDK with OPTION_X509_CERT and OPTION_X509_PRIVATE_KEY, as its iothub_ll_client_x509_sample does).
// Prints its own events as lines "@@ {json}" on stdout (the SDK logs there too): "connected" on
// IOTHUB_CLIENT_CONNECTION_AUTHENTICATED, "status" on every other connection status change, one
// "message" per C2D message (ids, content type, body, application properties), "done" after
// <count> messages (exit 0) or "timeout" (exit 1). Accepts every message (IOTHUBMESSAGE_ACCEPTED), or, with
// IOTHUB_C2D_DISPOSITION=reject or abandon, rejects or abandons it (AMQP and HTTP; MQTT has neither).
// Differences from the sample: logger_init() first (the sample aborts at its first log line at
// this SDK's commit without it), arguments instead of #defines, JSON output.
//
// Build it against a build of the SDK like the sample is built (its include directories and the
// iothub_client, transport, uamqp, umqtt, aziotsharedutil, parson, c_logging libraries);
// see README.md, "Interop with Microsoft's SDKs".

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c_logging/logger.h"
#include "iothub.h"
#include "iothub_client_options.h"
#include "iothub_device_client_ll.h"
#include "iothub_message.h"
#include "iothubtransportamqp.h"
#include "iothubtransportamqp_websockets.h"
#include "iothubtransporthttp.h"
#include "iothubtransportmqtt.h"
#include "iothubtransportmqtt_websockets.h"
#include "azure_c_shared_utility/map.h"
#include "azure_c_shared_utility/shared_util_options.h"
#include "azure_c_shared_utility/threadapi.h"

static size_t g_received = 0;

static void print_json_string(const char* s)
{
    if (s == NULL)
    {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char* p = (const unsigned char*)s; *p != '\0'; p++)
    {
        if (*p == '"' || *p == '\\') { putchar('\\'); putchar(*p); }
        else if (*p < 0x20) { printf("\\u%04x", *p); }
        else { putchar(*p); }
    }
    putchar('"');
}

static void print_json_bytes(const unsigned char* data, size_t size)
{
    char* copy = malloc(size + 1);
    if (copy == NULL) { fputs("null", stdout); return; }
    memcpy(copy, data, size);
    copy[size] = '\0';
    print_json_string(copy);
    free(copy);
}

static void on_connection_status(IOTHUB_CLIENT_CONNECTION_STATUS status, IOTHUB_CLIENT_CONNECTION_STATUS_REASON reason, void* context)
{
    (void)context;
    if (status == IOTHUB_CLIENT_CONNECTION_AUTHENTICATED)
    {
        printf("@@ {\"event\":\"connected\"}\n");
    }
    else
    {
        printf("@@ {\"event\":\"status\",\"status\":\"%s\",\"reason\":\"%s\"}\n",
            MU_ENUM_TO_STRING(IOTHUB_CLIENT_CONNECTION_STATUS, status),
            MU_ENUM_TO_STRING(IOTHUB_CLIENT_CONNECTION_STATUS_REASON, reason));
    }
    fflush(stdout);
}

static IOTHUBMESSAGE_DISPOSITION_RESULT on_message(IOTHUB_MESSAGE_HANDLE message, void* context)
{
    (void)context;
    printf("@@ {\"event\":\"message\",\"messageId\":");
    print_json_string(IoTHubMessage_GetMessageId(message));
    printf(",\"correlationId\":");
    print_json_string(IoTHubMessage_GetCorrelationId(message));
    printf(",\"contentType\":");
    print_json_string(IoTHubMessage_GetContentTypeSystemProperty(message));
    printf(",\"contentEncoding\":");
    print_json_string(IoTHubMessage_GetContentEncodingSystemProperty(message));
    printf(",\"data\":");
    if (IoTHubMessage_GetContentType(message) == IOTHUBMESSAGE_BYTEARRAY)
    {
        const unsigned char* data;
        size_t size;
        if (IoTHubMessage_GetByteArray(message, &data, &size) == IOTHUB_MESSAGE_OK) print_json_bytes(data, size);
        else fputs("null", stdout);
    }
    else
    {
        print_json_string(IoTHubMessage_GetString(message));
    }
    printf(",\"properties\":{");
    MAP_HANDLE properties = IoTHubMessage_Properties(message);
    const char* const* keys;
    const char* const* values;
    size_t count = 0;
    if (properties != NULL && Map_GetInternals(properties, &keys, &values, &count) == MAP_OK)
    {
        for (size_t i = 0; i < count; i++)
        {
            if (i > 0) putchar(',');
            print_json_string(keys[i]);
            putchar(':');
            print_json_string(values[i]);
        }
    }
    printf("}}\n");
    fflush(stdout);
    g_received++;
    const char* disposition = getenv("IOTHUB_C2D_DISPOSITION");
    if (disposition != NULL && strcmp(disposition, "reject") == 0) return IOTHUBMESSAGE_REJECTED;
    if (disposition != NULL && strcmp(disposition, "abandon") == 0) return IOTHUBMESSAGE_ABANDONED;
    return IOTHUBMESSAGE_ACCEPTED;
}

static char* read_file(const char* path)
{
    FILE* file = fopen(path, "rb");
    if (file == NULL) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char* text = malloc((size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, file) == (size_t)size) text[size] = '\0';
    else { free(text); text = NULL; }
    fclose(file);
    return text;
}

static IOTHUB_CLIENT_TRANSPORT_PROVIDER transport_named(const char* name)
{
    if (strcmp(name, "mqtt") == 0) return MQTT_Protocol;
    if (strcmp(name, "mqtt-ws") == 0) return MQTT_WebSocket_Protocol;
    if (strcmp(name, "amqp") == 0) return AMQP_Protocol;
    if (strcmp(name, "amqp-ws") == 0) return AMQP_Protocol_over_WebSocketsTls;
    if (strcmp(name, "http") == 0) return HTTP_Protocol;
    return NULL;
}

int main(int argc, char** argv)
{
    IOTHUB_CLIENT_TRANSPORT_PROVIDER protocol = argc == 4 ? transport_named(argv[1]) : NULL;
    const char* connection_string = getenv("IOTHUB_DEVICE_CONNECTION_STRING");
    const char* ca_file = getenv("IOTHUB_TRUSTED_CA_FILE");
    if (protocol == NULL || connection_string == NULL || ca_file == NULL)
    {
        fprintf(stderr, "usage: IOTHUB_DEVICE_CONNECTION_STRING=... IOTHUB_TRUSTED_CA_FILE=ca.pem %s <mqtt|mqtt-ws|amqp|amqp-ws|http> <count> <timeout-seconds>\n", argv[0]);
        return 2;
    }
    size_t count = (size_t)atoi(argv[2]);
    time_t deadline = time(NULL) + atoi(argv[3]);
    char* trusted = read_file(ca_file);
    if (trusted == NULL)
    {
        fprintf(stderr, "cannot read %s\n", ca_file);
        return 2;
    }

    (void)logger_init();
    (void)IoTHub_Init();
    int result = 1;
    IOTHUB_DEVICE_CLIENT_LL_HANDLE device = IoTHubDeviceClient_LL_CreateFromConnectionString(connection_string, protocol);
    if (device == NULL)
    {
        printf("@@ {\"event\":\"error\",\"what\":\"IoTHubDeviceClient_LL_CreateFromConnectionString returned NULL\"}\n");
    }
    else
    {
        if (getenv("IOTHUB_C_TRACE") != NULL && strcmp(getenv("IOTHUB_C_TRACE"), "1") == 0)
        {
            bool trace = true;
            (void)IoTHubDeviceClient_LL_SetOption(device, OPTION_LOG_TRACE, &trace);
        }
        if (IoTHubDeviceClient_LL_SetOption(device, OPTION_TRUSTED_CERT, trusted) != IOTHUB_CLIENT_OK)
        {
            printf("@@ {\"event\":\"error\",\"what\":\"OPTION_TRUSTED_CERT refused\"}\n");
        }
        const char* cert_file = getenv("IOTHUB_X509_CERT_FILE");
        const char* key_file = getenv("IOTHUB_X509_KEY_FILE");
        if (cert_file != NULL && key_file != NULL)
        {
            char* cert = read_file(cert_file);
            char* key = read_file(key_file);
            if (cert == NULL || key == NULL ||
                IoTHubDeviceClient_LL_SetOption(device, OPTION_X509_CERT, cert) != IOTHUB_CLIENT_OK ||
                IoTHubDeviceClient_LL_SetOption(device, OPTION_X509_PRIVATE_KEY, key) != IOTHUB_CLIENT_OK)
            {
                printf("@@ {\"event\":\"error\",\"what\":\"OPTION_X509_CERT or OPTION_X509_PRIVATE_KEY refused\"}\n");
            }
            free(cert);
            free(key);
        }
        if (protocol == MQTT_Protocol || protocol == MQTT_WebSocket_Protocol)
        {
            bool url_decode = true;
            (void)IoTHubDeviceClient_LL_SetOption(device, OPTION_AUTO_URL_ENCODE_DECODE, &url_decode);
        }
        if (protocol == HTTP_Protocol)
        {
            unsigned int polling_seconds = 1;
            (void)IoTHubDeviceClient_LL_SetOption(device, OPTION_MIN_POLLING_TIME, &polling_seconds);
        }
        (void)IoTHubDeviceClient_LL_SetConnectionStatusCallback(device, on_connection_status, NULL);
        if (IoTHubDeviceClient_LL_SetMessageCallback(device, on_message, NULL) != IOTHUB_CLIENT_OK)
        {
            printf("@@ {\"event\":\"error\",\"what\":\"IoTHubDeviceClient_LL_SetMessageCallback failed\"}\n");
        }
        else
        {
            while (g_received < count && time(NULL) < deadline)
            {
                IoTHubDeviceClient_LL_DoWork(device);
                ThreadAPI_Sleep(10);
            }
            if (g_received >= count)
            {
                // Let the SDK send the last settlement before closing.
                for (int i = 0; i < 50; i++) { IoTHubDeviceClient_LL_DoWork(device); ThreadAPI_Sleep(10); }
                printf("@@ {\"event\":\"done\",\"received\":%zu}\n", g_received);
                result = 0;
            }
            else
            {
                printf("@@ {\"event\":\"timeout\",\"received\":%zu}\n", g_received);
            }
            fflush(stdout);
        }
        IoTHubDeviceClient_LL_Destroy(device);
    }
    IoTHub_Deinit();
    free(trusted);
    return result;
}
